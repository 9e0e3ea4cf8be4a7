// The webhook sender thread, started by sender.ts: it signs and sends the requests of the delivery
// rounds, so that a server busy with sign-ins does not also spend its main thread on them (on a machine
// with a second core they run beside the sign-ins instead of between them). The claim, the opening of
// the secrets (with the encryption key) and the outcome stay on the main thread with the database.
//
// One message is one round. Each URL of a round is checked once (url-checks.ts) and every attempt to it
// connects to that checked address, as security/outbound.ts decides for every outbound request; nothing
// of the check outlives the round. Keep-alive connections do, per checked address.
// The round's answers go back in one message once the last exchange ended.
import { parentPort } from 'node:worker_threads';
import { OutboundError, requestOutbound } from '../security/outbound.ts';
import type { AnswersMessage, RoundMessage, SendAnswer } from './sender.ts';
import { signedHeaders } from './deliver.ts';
import { RoundUrlChecks } from './url-checks.ts';

if (!parentPort) throw new Error('sender-thread.ts runs as a worker thread (see sender.ts)');
const port = parentPort;

function answerOf(err: unknown): SendAnswer {
  // An OutboundError is a refusal or a network failure the delivery log shows; anything else is ours.
  return err instanceof OutboundError ? { refusal: err.reason, message: err.message } : { failed: true };
}

port.on('message', (m: RoundMessage) => {
  const checks = new RoundUrlChecks(m.allowPrivate);
  const answers: SendAnswer[] = [];
  let left = m.requests.length;
  const answer = (index: number, a: SendAnswer) => {
    answers[index] = a;
    if (--left === 0) port.postMessage({ round: m.round, answers } satisfies AnswersMessage);
  };
  m.requests.forEach((r, index) => {
    // Signed as it is sent; inside the promise, so that any failure is this request's answer.
    Promise.resolve()
      .then(() =>
        requestOutbound(r.url, {
          method: 'POST',
          headers: signedHeaders(r, new Date()),
          body: r.body,
          allowPrivate: m.allowPrivate,
          checked: checks.check(r.url),
          keepAlive: true,
          statusOnly: true,
          maxBytes: m.maxBytes,
          timeoutMs: m.timeoutMs,
        }),
      )
      .then(
        (res) => {
          answer(index, { status: res.status });
        },
        (err: unknown) => {
          answer(index, answerOf(err));
        },
      );
  });
});
