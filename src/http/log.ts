// pino JSON logs. Nothing here ever receives a body, a header value or a query string: request logs
// carry the route template, never the raw URL (which may hold ?state= or ?token=). Tests capture every
// log line of full flows and grep them for passwords, tokens, keys and SAML messages; redaction of
// secret-named fields (REDACT_PATHS) catches what a future log call might still pass in.
import { fstatSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Field names whose values are credentials or protocol messages that carry them. */
const SECRET_FIELDS = [
  // Node lower-cases header names; HTTP client libraries keep them as written.
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  'set-cookie',
  'Set-Cookie',
  'x-api-key',
  'X-API-Key',
  'apiKey',
  'api_key',
  'password',
  'passwordHash',
  'password_hash',
  'newPassword',
  'new_password',
  'token',
  'access_token',
  'refresh_token',
  'accessToken',
  'refreshToken',
  'secret',
  'encryptionKey',
  'privateKey',
  'private_key',
  'SAMLResponse',
  'SAMLRequest',
];
const field = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `["${name}"]`);

/**
 * Redaction is the second line of defence (the first: nothing above logs a body, header or query
 * string). A secret field is censored at the top of a logged object and up to three objects down, which
 * covers the shapes that can reach a log: an error's own fields (`err.config.headers…` once the err
 * serializer has copied them) and pino's `req.headers` / `res.headers`. The access line never passes
 * through here (request-records.ts writes it from a template of fixed fields).
 */
export const REDACT_PATHS: string[] = SECRET_FIELDS.flatMap((name) => [
  field(name).replace(/^\./, ''),
  `*${field(name)}`,
  `*.*${field(name)}`,
  `*.*.*${field(name)}`,
]);

/**
 * Logs go to stdout, batched: a write per request costs more than the request itself. Call
 * flushLogs() before exiting.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const dest = destination ?? sharedStdout();
  return pino(
    {
      level,
      // With TESSERA_WORKERS > 1 each line says which worker wrote it (cluster/primary.ts sets the slot).
      base: process.env.TESSERA_WORKER_ID === undefined ? { service: 'tessera' } : { service: 'tessera', worker: Number(process.env.TESSERA_WORKER_ID) },
      timestamp: isoTimeEachMillisecond(),
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    },
    dest,
  );
}

/**
 * pino's ISO-8601 `time`, formatted once per millisecond: under load most lines share a millisecond,
 * and formatting a Date is a third of the cost of an access line.
 */
function isoTimeEachMillisecond(): () => string {
  let lastMs = -1;
  let last = '';
  return () => {
    const now = Date.now();
    if (now !== lastMs) {
      lastMs = now;
      last = `,"time":"${new Date(now).toISOString()}"`;
    }
    return last;
  };
}

/** True when stdout is a regular file (or /dev/null): a write there never waits for a reader. */
function stdoutIsFile(): boolean {
  try {
    const s = fstatSync(1);
    return s.isFile() || (s.isCharacterDevice() && !isatty(1));
  } catch {
    return false;
  }
}

const BATCH_CHARS = 8 * 1024;
/** A file takes bigger batches: one write(2) per ~150 lines. */
const FILE_BATCH_CHARS = 32 * 1024;
const FLUSH_EVERY_MS = 250;

/**
 * stdout as a regular file: lines are gathered in memory and written together, in place, once 32 KiB
 * have gathered or a quarter second has passed. A write to a file cannot block on a reader, so
 * nothing is gained by handing it to the thread pool (that costs more than the write), and gathering
 * lines in an array avoids sonic-boom's re-measuring of its growing buffer string on every line
 * (~2.5 µs and ~4.6 KB of garbage per request on the Service API path, by a sampling heap profile).
 */
class FileLines implements DestinationStream {
  private lines: string[] = [];
  private chars = 0;
  private failed = false;

  constructor(private readonly fd: number) {}

  write(line: string): void {
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= FILE_BATCH_CHARS) this.flushSync();
  }

  flush(cb?: (err?: Error) => void): void {
    this.flushSync();
    cb?.();
  }

  flushSync(): void {
    if (this.lines.length === 0) return;
    const bytes = Buffer.from(this.lines.join(''), 'utf8');
    this.lines = [];
    this.chars = 0;
    try {
      for (let off = 0; off < bytes.length;) off += writeSync(this.fd, bytes, off);
    } catch (err) {
      // A full disk must not take requests down with it: say so once on stderr and keep serving.
      if (!this.failed) process.stderr.write(`tessera: cannot write logs: ${(err as Error).message}\n`);
      this.failed = true;
    }
  }
}

let stdout: ReturnType<typeof bufferedStdout> | undefined;

/**
 * One batched stdout per process, whatever the number of loggers (tests and the CLI create several):
 * each would otherwise keep its own flush timer and exit handler for the life of the process.
 */
function sharedStdout(): ReturnType<typeof bufferedStdout> {
  stdout ??= bufferedStdout();
  return stdout;
}

/**
 * stdout in batches, flushed at least every 250 ms: one write per batch instead of one per request,
 * and a log line is never more than a quarter second late. To a file, FileLines; to a pipe or a
 * terminal, sonic-boom asynchronously, so a slow reader can never stall requests.
 */
function bufferedStdout(): DestinationStream & { flushSync(): void; flush(): void } {
  const dest = stdoutIsFile() ? new FileLines(1) : pino.destination({ dest: 1, sync: false, minLength: BATCH_CHARS });
  const timer = setInterval(() => {
    try {
      dest.flush();
    } catch {
      // flushing while a write is in progress: the next tick catches up
    }
  }, FLUSH_EVERY_MS);
  timer.unref();
  process.once('exit', () => {
    try {
      dest.flushSync();
    } catch {
      // nothing more can be done at exit
    }
  });
  return dest;
}

export function flushLogs(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    // nothing more can be done about a log that cannot be written
  }
}
