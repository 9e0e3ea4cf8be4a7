// The main thread's side of the webhook sender thread (sender-thread.ts): the delivery worker hands it
// a round's requests, already signed, and gets one answer per request back. Measured on the 2-core
// bench machine, the HTTP exchange of a delivery (Node's client, keep-alive) and its signing were about
// 12 of the 28 points an event added to a sign-in on the main thread (docs/benchmarks.md, Sender thread).
//
// The thread starts with the delivery worker where a webhook is enabled (worker.ts), else with the
// first round, so that a server without webhooks does not carry it. If it dies or
// stops answering, the answers it owed fail (their deliveries are left to their lease and attempted
// again, as for any attempt that could not run), the loss is logged, and the next round starts a new one.
import { Worker } from 'node:worker_threads';
import type { OutboundRefusal } from '../security/outbound.ts';

/** Past the attempt's own time limit, how long an answer may still take before the thread is replaced. */
const ANSWER_MARGIN_MS = 5_000;

/** One signed request of a round. */
export interface SendRequest {
  url: string;
  headers: Record<string, string>;
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

/** What the thread sends back: answers of requests (`index` in their round's `requests`). */
export interface AnswersMessage {
  answers: { round: number; index: number; answer: SendAnswer }[];
}

interface Waiting {
  resolve: (a: SendAnswer) => void;
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
  /** The answers owed, by round and index. */
  private readonly waiting = new Map<number, Map<number, Waiting>>();

  /** `logger`: where the loss of a thread is said (the server's logger). */
  constructor(private readonly logger: { error(obj: object, msg: string): void }) {}

  /** Starts the thread now rather than at the first round. */
  start(): void {
    this.ensureThread();
  }

  /**
   * Sends a round's requests; one promise per request, rejected if the thread died or was stopped
   * before answering, or had not answered `timeoutMs` plus a margin later (it is then replaced).
   */
  send(requests: SendRequest[], options: Omit<RoundMessage, 'round' | 'requests'>): Promise<SendAnswer>[] {
    if (requests.length === 0) return [];
    if (this.closed) return requests.map(() => Promise.reject(new Error('the webhook sender stopped')));
    const thread = this.ensureThread();
    const round = this.nextRound++;
    const owed = new Map<number, Waiting>();
    this.waiting.set(round, owed);
    const answers = requests.map((_, index) => new Promise<SendAnswer>((resolve, reject) => owed.set(index, { resolve, reject })));
    const message: RoundMessage = { round, requests, ...options };
    thread.postMessage(message);
    // The thread bounds each exchange (outbound.ts), but not a DNS lookup, nor itself if it hangs.
    setTimeout(() => {
      if (this.waiting.has(round) && this.thread === thread) this.replace(thread, new Error('the webhook sender thread did not answer in time'));
    }, options.timeoutMs + ANSWER_MARGIN_MS).unref();
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
      for (const { round, index, answer } of m.answers) {
        const owed = this.waiting.get(round);
        owed?.get(index)?.resolve(answer);
        owed?.delete(index);
        if (owed?.size === 0) this.waiting.delete(round);
      }
    });
    thread.on('error', (err) => {
      this.replace(thread, err);
    });
    thread.on('exit', (code) => {
      this.replace(thread, new Error(`the webhook sender thread exited (code ${String(code)})`));
    });
    this.thread = thread;
    return thread;
  }

  /** The thread died or hung: what it owed fails, and the next round starts another. */
  private replace(thread: Worker, err: Error): void {
    if (this.thread !== thread) return;
    this.thread = undefined;
    this.logger.error({ err: { message: err.message } }, 'webhook sender thread lost; its deliveries are attempted again after their lease');
    this.failAll(err);
    void thread.terminate();
  }

  private failAll(err: Error): void {
    for (const owed of this.waiting.values()) for (const w of owed.values()) w.reject(err);
    this.waiting.clear();
  }
}
