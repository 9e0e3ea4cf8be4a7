// A real SMTP server inside the test (smtp-server), every message parsed with mailparser: the suites
// read what Tessera actually sent over the wire. Plain SMTP with AUTH (no STARTTLS: the test server
// has no certificate Tessera would trust), credentials checked.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export const SMTP_USER = 'tessera';
export const SMTP_PASS = 'smtp password 123';

export interface Received {
  /** Envelope recipients (RCPT TO). */
  to: string[];
  /** The AUTH user the client signed in as. */
  user: string | undefined;
  mail: ParsedMail;
}

export interface SmtpSink {
  /** SMTP_URL for Tessera, with the credentials. */
  url: string;
  received: Received[];
  /** The first message to `address` (waits for it). */
  waitFor(address: string, timeoutMs?: number): Promise<Received>;
  /** Every message to `address` so far. */
  to(address: string): Received[];
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASS) callback(null, { user: SMTP_USER });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push({
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            user: typeof session.user === 'string' ? session.user : undefined,
            mail,
          });
          callback();
        },
        (err: unknown) => {
          callback(err instanceof Error ? err : new Error(String(err)));
        },
      );
    },
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.server.address() as AddressInfo;
  const to = (address: string) => received.filter((r) => r.to.includes(address.toLowerCase()));
  return {
    url: `smtp://${SMTP_USER}:${encodeURIComponent(SMTP_PASS)}@127.0.0.1:${port}`,
    received,
    to,
    async waitFor(address, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const [first] = to(address);
        if (first) return first;
        if (Date.now() > until) throw new Error(`no email to ${address} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** The first https?://…/password?token=… link in the message's text part. */
export function passwordLinkIn(r: Received): string {
  const m = /https?:\/\/\S+\/password\?token=[\w%-]+/.exec(r.mail.text ?? '');
  if (!m) throw new Error('no password link in the email');
  return m[0];
}
