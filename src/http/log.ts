// pino JSON logs. Nothing here ever receives a body, a header value or a query string: request logs
// carry the route template, never the raw URL (which may hold ?state= or ?token=). Tests capture every
// log line of full flows and grep them for passwords, tokens, keys and SAML messages.
import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Logs go to stdout through an asynchronous destination (sonic-boom): a synchronous write per request
 * costs more than the request itself. Call flushLogs() before exiting.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const dest = destination ?? bufferedStdout();
  return pino(
    {
      level,
      base: { service: 'tessera' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    dest,
  );
}

/**
 * stdout in 8 KiB batches, flushed at least every 250 ms: one write per batch instead of one per
 * request, and a log line is never more than a quarter second late.
 */
function bufferedStdout(): DestinationStream {
  const boom = pino.destination({ dest: 1, sync: false, minLength: 8 * 1024 });
  const timer = setInterval(() => {
    try {
      boom.flush();
    } catch {
      // flushing while a write is in progress: the next tick catches up
    }
  }, 250);
  timer.unref();
  process.once('exit', () => {
    try {
      boom.flushSync();
    } catch {
      // nothing more can be done at exit
    }
  });
  return boom;
}

export function flushLogs(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    // nothing more can be done about a log that cannot be written
  }
}
