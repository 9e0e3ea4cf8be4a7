// The webhook sender thread, started by sender.ts: it makes the HTTP exchanges of the delivery rounds,
// so that a server busy with sign-ins does not also spend its main thread on them (on a machine with a
// second core they run beside the sign-ins instead of between them). It only sends: the claim, the
// signature and the outcome stay on the main thread with the database and the secrets' key.
//
// One message is one round. Each URL of a round is checked once (url-checks.ts) and every attempt to it
// connects to that checked address, as security/outbound.ts decides for every outbound request; nothing
// of the check outlives the round. Keep-alive connections do, per checked address.
// Answers go back as the exchanges finish, several to a message when they finish together.
import { parentPort } from 'node:worker_threads';
import { OutboundError, requestOutbound } from '../security/outbound.ts';
import type { AnswersMessage, RoundMessage, SendAnswer } from './sender.ts';
import { RoundUrlChecks } from './url-checks.ts';

if (!parentPort) throw new Error('sender-thread.ts runs as a worker thread (see sender.ts)');
const port = parentPort;

let ready: AnswersMessage['answers'] = [];

function answer(round: number, index: number, a: SendAnswer): void {
  if (ready.length === 0) {
    setImmediate(() => {
      const message: AnswersMessage = { answers: ready };
      ready = [];
      port.postMessage(message);
    });
  }
  ready.push({ round, index, answer: a });
}

function answerOf(err: unknown): SendAnswer {
  // An OutboundError is a refusal or a network failure the delivery log shows; anything else is ours.
  return err instanceof OutboundError ? { refusal: err.reason, message: err.message } : { failed: true };
}

port.on('message', (m: RoundMessage) => {
  const checks = new RoundUrlChecks(m.allowPrivate);
  m.requests.forEach((r, index) => {
    requestOutbound(r.url, {
      method: 'POST',
      headers: r.headers,
      body: r.body,
      allowPrivate: m.allowPrivate,
      checked: checks.check(r.url),
      keepAlive: true,
      maxBytes: m.maxBytes,
      timeoutMs: m.timeoutMs,
    }).then(
      (res) => {
        answer(m.round, index, { status: res.status });
      },
      (err: unknown) => {
        answer(m.round, index, answerOf(err));
      },
    );
  });
});
