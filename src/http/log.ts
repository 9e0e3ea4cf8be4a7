// pino JSON logs. Nothing here ever receives a body, a header value or a query string: request logs
// carry the route template, never the raw URL (which may hold ?state= or ?token=).
import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Logs go to stdout through an asynchronous destination (sonic-boom): a synchronous write per request
 * costs more than the request itself. Call flushLogs() before exiting.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const dest = destination ?? pino.destination({ dest: 1, sync: false });
  return pino(
    {
      level,
      base: { service: 'tessera' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Defence in depth: should a secret-bearing field ever be logged by mistake, it is censored.
      redact: {
        paths: ['password', 'token', 'key', 'access_token', 'refresh_token', 'authorization', '*.password', '*.token', '*.key', 'req.headers', 'SAMLResponse', 'SAMLRequest', 'privateKey'],
        censor: '[redacted]',
      },
    },
    dest,
  );
}

export function flushLogs(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    // nothing more can be done about a log that cannot be written
  }
}
