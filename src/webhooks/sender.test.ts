import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { newWebhookSecret } from '../security/webhook-signature.ts';
import { DeliverySender, SenderLost, type SendAnswer, type SendRequest } from './sender.ts';

// The sender thread against a real receiver on loopback (allowPrivate, as in development).
describe('webhook sender thread', () => {
  let lost: string[] = [];
  const logger = { error: (_obj: object, msg: string) => lost.push(msg) };
  beforeEach(() => {
    lost = [];
  });
  const seen: { path: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  let holdOpen: (() => void)[] = [];
  let receiver: http.Server;
  let base: string;

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen.push({ path: req.url ?? '', headers: req.headers, body });
        if (req.url === '/slow') holdOpen.push(() => res.writeHead(204).end());
        else if (req.url === '/moved') res.writeHead(302, { location: `${base}/followed` }).end();
        else res.writeHead(req.url === '/fail' ? 500 : 204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${String((receiver.address() as AddressInfo).port)}`;
  });
  afterAll(async () => {
    for (const f of holdOpen) f();
    await new Promise((r) => receiver.close(r));
  });

  const limits = { maxBytes: 1024, timeoutMs: 5000 };
  const secret = newWebhookSecret();
  const request = (path: string, body = '{}'): SendRequest => ({ url: `${base}${path}`, msgId: `evt_${path.slice(1)}`, secrets: [secret], body });

  it('sends a round and answers each request: its status, or why it was refused', async () => {
    const sender = new DeliverySender(logger);
    try {
      const answers = await sender.send([request('/ok', '{"a":1}'), request('/fail'), request('/moved'), { ...request('/x'), url: 'ftp://example.com/' }], {
        ...limits,
        allowPrivate: true,
      });
      expect(answers).toEqual<SendAnswer[]>([{ status: 204 }, { status: 500 }, { status: 302 }, { refusal: 'scheme', message: 'The URL must use https' }]);
      const ok = seen.find((s) => s.path === '/ok');
      expect(ok?.body).toBe('{"a":1}');
      expect(ok?.headers['webhook-id']).toBe('evt_ok');
      // Signed in the thread as it sent: the reference library accepts it (and throws otherwise).
      const headers = Object.fromEntries(Object.entries(ok?.headers ?? {}).map(([k, v]) => [k, String(v)]));
      expect(new Webhook(secret).verify(ok?.body ?? '', headers)).toEqual({ a: 1 });
      expect(() => new Webhook(newWebhookSecret()).verify(ok?.body ?? '', headers)).toThrow();
      // The redirect was not followed.
      expect(seen.filter((s) => s.path === '/followed')).toHaveLength(0);
      // Without allowPrivate, loopback is refused in the thread too.
      const [refused, loopback] = await sender.send([request('/ok'), { ...request('/ok'), url: 'https://127.0.0.1/' }], { ...limits, allowPrivate: false });
      expect(refused).toMatchObject({ refusal: 'scheme' });
      expect(loopback).toMatchObject({ refusal: 'private_address' });
      // An empty round sends nothing and answers at once.
      expect(await sender.send([], { ...limits, allowPrivate: true })).toEqual([]);
    } finally {
      await sender.close();
    }
  });

  it('fails the answers it owes when it stops, and every round after that', async () => {
    const sender = new DeliverySender(logger);
    const pending = sender.send([request('/slow')], { ...limits, allowPrivate: true });
    await expect.poll(() => seen.some((s) => s.path === '/slow')).toBe(true);
    const failed = expect(pending).rejects.toThrow('the webhook sender stopped');
    await sender.close();
    await failed;
    // Stopped for good: a round claimed during shutdown is refused.
    const late = sender.send([request('/late')], { ...limits, allowPrivate: true });
    await expect(late).rejects.toThrow('the webhook sender stopped');
    // A stop is not a loss: nothing was logged.
    expect(lost).toEqual([]);
    for (const f of holdOpen) f();
    holdOpen = [];
  });

  it('replaces a thread that does not answer in time: its answers fail as lost, the loss is logged, the next round has a new thread', async () => {
    // Long enough for a thread to start under tsx on a loaded machine (the next round's new one counts
    // its start against the same deadline), short for a test.
    const sender = new DeliverySender(logger, 3000);
    try {
      const pending = sender.send([request('/slow')], { ...limits, allowPrivate: true });
      await expect(pending).rejects.toBeInstanceOf(SenderLost);
      expect(lost).toHaveLength(1);
      expect(await sender.send([request('/ok')], { ...limits, allowPrivate: true })).toEqual([{ status: 204 }]);
    } finally {
      await sender.close();
      for (const f of holdOpen) f();
      holdOpen = [];
    }
  });
});
