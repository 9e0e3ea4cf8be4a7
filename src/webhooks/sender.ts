// The main thread's side of the webhook sender thread (sender-thread.ts): the delivery worker hands it
// a round's requests with their webhooks' opened secrets; the thread signs and sends them and answers
// the round in one message. A thread lost mid-round fails the whole round's answers, those already
// answered 2xx included: they are attempted again (at least once). Measured on the 2-core
// bench machine, the HTTP exchange of a delivery (Node's client, keep-alive) and its signing were about
// 12 of the 28 points an event added to a sign-in on the main thread (docs/benchmarks.md, Sender thread).
//
// The thread starts with the delivery worker where a webhook is enabled (worker.ts), else with the
// first round, so that a server without webhooks does not carry it. If it dies or stops answering,
// the loss is logged, the answers it owed fail with SenderLost (the worker counts each as a failed
// attempt, retried on the schedule: the request may have reached its receiver, or not), and the next
// round starts a new thread.
import { Worker } from 'node:worker_threads';
import { LOOKUP_TIMEOUT_MS, type OutboundRefusal } from '../security/outbound.ts';

/** Past the attempt's own limits (the name's lookup, then the exchange), how long an answer may still take before the thread is replaced. */
const ANSWER_MARGIN_MS = 5_000;

/**
 * The thread was lost (it died, or did not answer in time) before it answered: the request may or may
 * not have reached the receiver. The worker records that as a failed attempt.
 */
export class SenderLost extends Error {}

/** One request of a round: the thread signs it (deliver.ts signedHeaders) as it sends it. */
export interface SendRequest {
  url: string;
  /** The webhook-id header: the event id. */
  msgId: string;
  /** The webhook's live secrets, opened (one signature each). */
  secrets: string[];
  body: string;
}

/** What was sent to the thread: one round. */
export interface RoundMessage {
  round: number;
  allowPrivate: boolean;
  maxBytes: number;
  timeoutMs: number;
  requests: SendRequest[];
}

/** How one request ended: an HTTP status, a refusal or network failure (outbound.ts), or an internal failure. */
export type SendAnswer = { status: number } | { refusal: OutboundRefusal; message: string } | { failed: true };

/**
 * What the thread sends back: a round's answers, in the order of its `requests`, in one message once
 * all are in (the worker writes a round's outcomes together anyway; one message each cost the main
 * thread more than the answer itself).
 */
export interface AnswersMessage {
  round: number;
  answers: SendAnswer[];
}

interface Waiting {
  resolve: (answers: SendAnswer[]) => void;
  reject: (err: Error) => void;
}

/**
 * The thread's entry beside this module: sender-thread.js in the bundle (dist/main.js, scripts/bundle.mjs)
 * and in tsc's output; under tsx and vitest the TypeScript source, loaded through tsx's hooks.
 */
function spawnThread(): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./sender-thread.js', self));
  const entry = new URL('./sender-thread.ts', self).href;
  // Resolved here, from this file: the thread's own bare imports resolve from the working directory.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true });
}

export class DeliverySender {
  private thread: Worker | undefined;
  private closed = false;
  private nextRound = 1;
  /** The rounds not answered yet, each with its deadline. */
  private readonly waiting = new Map<number, Waiting & { deadline: NodeJS.Timeout }>();

  /**
   * `logger`: where the loss of a thread is said (the server's logger). `deadlineMs`: how long a round
   * may go unanswered, by default the attempt's limits plus a margin (tests set it shorter).
   */
  constructor(
    private readonly logger: { error(obj: object, msg: string): void },
    private readonly deadlineMs?: number,
  ) {}

  /** Starts the thread now rather than at the first round. */
  start(): void {
    if (!this.closed) this.ensureThread();
  }

  /**
   * Sends a round's requests; their answers, in the same order, once the last is in. Rejected if the
   * sender was stopped before that, or with SenderLost if the thread died or had not answered in time
   * (it is then replaced).
   */
  send(requests: SendRequest[], options: Omit<RoundMessage, 'round' | 'requests'>): Promise<SendAnswer[]> {
    if (requests.length === 0) return Promise.resolve([]);
    if (this.closed) return Promise.reject(new Error('the webhook sender stopped'));
    const thread = this.ensureThread();
    const round = this.nextRound++;
    let owed: Waiting | undefined;
    const answers = new Promise<SendAnswer[]>((resolve, reject) => (owed = { resolve, reject }));
    // The thread bounds each lookup and exchange (outbound.ts), but not itself if it hangs.
    const deadline = setTimeout(
      () => {
        if (this.waiting.has(round) && this.thread === thread) this.replace(thread, new SenderLost('the webhook sender thread did not answer in time'));
      },
      this.deadlineMs ?? options.timeoutMs + LOOKUP_TIMEOUT_MS + ANSWER_MARGIN_MS,
    );
    deadline.unref();
    if (owed) this.waiting.set(round, { ...owed, deadline });
    const message: RoundMessage = { round, requests, ...options };
    thread.postMessage(message);
    return answers;
  }

  /** Stops the thread for good; answers still owed fail, and so does any later round. */
  async close(): Promise<void> {
    this.closed = true;
    const thread = this.thread;
    this.thread = undefined;
    this.failAll(new Error('the webhook sender stopped'));
    if (thread) await thread.terminate();
  }

  private ensureThread(): Worker {
    if (this.thread) return this.thread;
    const thread = spawnThread();
    // It must not keep a process alive that has nothing else to do (the worker stops it on shutdown).
    thread.unref();
    thread.on('message', (m: AnswersMessage) => {
      const pending = this.waiting.get(m.round);
      if (!pending) return;
      clearTimeout(pending.deadline);
      this.waiting.delete(m.round);
      pending.resolve(m.answers);
    });
    thread.on('error', (err) => {
      this.replace(thread, new SenderLost(err.message));
    });
    thread.on('exit', (code) => {
      this.replace(thread, new SenderLost(`the webhook sender thread exited (code ${String(code)})`));
    });
    this.thread = thread;
    return thread;
  }

  /** The thread died or hung: what it owed fails, and the next round starts another. */
  private replace(thread: Worker, err: SenderLost): void {
    if (this.thread !== thread) return;
    this.thread = undefined;
    this.logger.error({ err: { message: err.message } }, 'webhook sender thread lost; the attempts it had not answered count as failed');
    this.failAll(err);
    void thread.terminate();
  }

  private failAll(err: Error): void {
    for (const { reject, deadline } of this.waiting.values()) {
      clearTimeout(deadline);
      reject(err);
    }
    this.waiting.clear();
  }
}
