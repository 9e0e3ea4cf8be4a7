// pino JSON logs. Nothing here ever receives a body, a header value or a query string: request logs
// carry the route template, never the raw URL (which may hold ?state= or ?token=).
import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: DestinationStream): Logger {
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
    destination,
  );
}
