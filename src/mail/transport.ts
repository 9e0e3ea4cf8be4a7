// Outgoing email. SMTP_URL: a real SMTP client (nodemailer). Without it outside production, each
// message is written as an .eml file under MAIL_DIR and its path logged (development). Production
// without it sends nothing, and the features that need mail say so (`available` is false).
// Never logged: a message's body, subject or address (they carry links that act as passwords).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { Config } from '../config/index.ts';
import type { Logger } from '../http/log.ts';
import { newToken } from '../security/random.ts';
import { onFirstUse } from '../lazy.ts';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** What kind of message it is, for the log line (password_link, invitation, password_reset). */
  kind: string;
}

export interface Mailer {
  /** False when nothing can be sent (production without SMTP_URL). */
  readonly available: boolean;
  /** True once the SMTP server accepted the message (or the file is written); false when it could not be. */
  send(mail: OutgoingMail): Promise<boolean>;
  /** Runs work after the response, without holding it; close() waits for what is still running. */
  later(work: () => Promise<void>): void;
  close(): Promise<void>;
}

type Deliver = (mail: OutgoingMail, from: string) => Promise<{ messageId: string; path?: string }>;

// nodemailer is loaded on the first message, not at start-up: the CLI and most requests never need it.
const loadNodemailer = onFirstUse(() => import('nodemailer'));
const smtpTransport = async (options: SMTPTransport.Options) => (await loadNodemailer()).createTransport(options);

function smtpDelivery(url: string): { deliver: Deliver; close: () => void } {
  // Short timeouts: an admin request that mails a link waits for the answer.
  const options: SMTPTransport.Options = { url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };
  let transport: Awaited<ReturnType<typeof smtpTransport>> | undefined;
  return {
    deliver: async (mail, from) => {
      transport ??= await smtpTransport(options);
      const info = await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
      return { messageId: info.messageId };
    },
    close: () => {
      transport?.close();
    },
  };
}

function fileDelivery(dir: string): Deliver {
  return async (mail, from) => {
    const transport = (await loadNodemailer()).createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    const info = await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
    const message = info.message;
    if (!Buffer.isBuffer(message)) throw new Error('the stream transport gave no buffer');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.kind}-${newToken(6)}.eml`);
    await writeFile(path, message, { mode: 0o600 });
    return { messageId: info.messageId, path };
  };
}

export function createMailer(settings: Config['mail'], logger: Logger): Mailer {
  const smtp = settings.smtpUrl ? smtpDelivery(settings.smtpUrl) : undefined;
  const deliver = smtp?.deliver ?? (settings.dir ? fileDelivery(settings.dir) : undefined);
  const running = new Set<Promise<void>>();
  return {
    available: deliver !== undefined,
    async send(mail) {
      if (!deliver) return false;
      try {
        const { messageId, path } = await deliver(mail, settings.from);
        logger.info({ mail: mail.kind, messageId, ...(path ? { path } : {}) }, path ? 'email written to a file (no SMTP_URL)' : 'email sent');
        return true;
      } catch (err) {
        logger.error({ mail: mail.kind, err: { message: err instanceof Error ? err.message : String(err) } }, 'email could not be sent');
        return false;
      }
    },
    later(work) {
      const task = work().catch((err: unknown) => {
        logger.error({ err: { message: err instanceof Error ? err.message : String(err) } }, 'background mail task failed');
      });
      running.add(task);
      void task.finally(() => running.delete(task));
    },
    async close() {
      await Promise.all([...running]);
      smtp?.close();
    },
  };
}
