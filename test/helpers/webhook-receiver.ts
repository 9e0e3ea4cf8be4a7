// A real webhook receiver for tests: a local HTTP server that records every request and verifies each
// one with the `standardwebhooks` package (the Standard Webhooks reference library), never with
// Tessera's code. Its answer to each hit is chosen by the test (status, or a redirect).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Hit {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  type: string;
  data: Record<string, unknown> & { event_id: string; organization: { id: string; slug: string } };
  /** Which of the receiver's secrets (by index in `secrets`) Webhook.verify accepted this hit with. */
  verifiedBy: number[];
}

export type Answer = number | { redirect: string };

export class Receiver {
  readonly hits: Hit[] = [];
  /** The secrets to verify with; set by the test as it learns them. */
  secrets: string[] = [];
  /** The answer to the n-th hit (0-based) of one event id. */
  answer: (nthOfEvent: number, hit: Hit) => Answer = () => 200;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(port = 0): Promise<Receiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const receiver = new Receiver(server, `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/hook`);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const answer = receiver.record(req.headers, Buffer.concat(chunks).toString('utf8'));
        if (typeof answer === 'number') res.writeHead(answer).end('ok');
        else res.writeHead(302, { location: answer.redirect }).end();
      });
    });
    return receiver;
  }

  private record(headers: Record<string, string | string[] | undefined>, body: string): Answer {
    const h = (name: string) => String(headers[name] ?? '');
    const flat = { 'webhook-id': h('webhook-id'), 'webhook-timestamp': h('webhook-timestamp'), 'webhook-signature': h('webhook-signature') };
    const verifiedBy: number[] = [];
    this.secrets.forEach((secret, i) => {
      try {
        new Webhook(secret).verify(body, flat);
        verifiedBy.push(i);
      } catch {
        // not signed with this one
      }
    });
    const parsed = JSON.parse(body) as { type: string; data: Hit['data'] };
    const hit: Hit = {
      id: flat['webhook-id'],
      timestamp: flat['webhook-timestamp'],
      signature: flat['webhook-signature'],
      body,
      type: parsed.type,
      data: parsed.data,
      verifiedBy,
    };
    const nth = this.hits.filter((x) => x.id === hit.id).length;
    this.hits.push(hit);
    return this.answer(nth, hit);
  }

  of(type: string): Hit[] {
    return this.hits.filter((h) => h.type === type);
  }

  /** Waits until `check` holds (polling), or fails with what was received. */
  async waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received: ${this.hits.map((h) => `${h.type}/${h.id}`).join(', ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => {
        resolve();
      });
    });
  }
}
