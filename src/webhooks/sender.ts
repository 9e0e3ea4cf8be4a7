// The main thread's side of the webhook sender thread (sender-thread.ts): the delivery worker hands it
// a round's requests, already signed, and gets one answer per request back. Measured on the 2-core
// bench machine, the HTTP exchange of a delivery (Node's client, keep-alive) was about a third of what
// an event cost a sign-in on the main thread (docs/benchmarks.md, SSO with a webhook).
//
// The thread starts with the delivery worker, so it exists before any deliveries do. If it dies, the
// answers it owed fail (their deliveries are left to their lease and attempted again, as for any
// attempt that could not run) and the next round starts a new one.
import { Worker } from 'node:worker_threads';
import type { OutboundRefusal } from '../security/outbound.ts';

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
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`, { eval: true });
}

export class DeliverySender {
  private thread: Worker | undefined;
  private nextRound = 1;
  /** The answers owed, by round and index. */
  private readonly waiting = new Map<number, Map<number, Waiting>>();

  /** Starts the thread now rather than at the first round. */
  start(): void {
    this.ensureThread();
  }

  /** Sends a round's requests; one promise per request, rejected only if the thread died before answering. */
  send(requests: SendRequest[], options: Omit<RoundMessage, 'round' | 'requests'>): Promise<SendAnswer>[] {
    if (requests.length === 0) return [];
    const thread = this.ensureThread();
    const round = this.nextRound++;
    const owed = new Map<number, Waiting>();
    this.waiting.set(round, owed);
    const answers = requests.map((_, index) => new Promise<SendAnswer>((resolve, reject) => owed.set(index, { resolve, reject })));
    const message: RoundMessage = { round, requests, ...options };
    thread.postMessage(message);
    return answers;
  }

  /** Stops the thread; answers still owed fail. */
  async close(): Promise<void> {
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
    const died = (err: Error) => {
      if (this.thread !== thread) return;
      this.thread = undefined;
      this.failAll(err);
    };
    thread.on('error', died);
    thread.on('exit', (code) => {
      died(new Error(`the webhook sender thread exited (code ${String(code)})`));
    });
    this.thread = thread;
    return thread;
  }

  private failAll(err: Error): void {
    for (const owed of this.waiting.values()) for (const w of owed.values()) w.reject(err);
    this.waiting.clear();
  }
}
