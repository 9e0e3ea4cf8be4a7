// The outermost middleware: request id, security headers, the one error renderer, and the access log
// (written just after the response: see request-records.ts).
import { newRequestId } from '../security/random.ts';
import type { Next } from 'koa';
import type { AppContext } from './context.ts';
import { API_KEY_CHALLENGE, AppError, BEARER_CHALLENGE, methodNotAllowed, notFound, serviceUnavailable } from './errors.ts';
import { isDatabaseUnavailable, isRecordNotFound } from '../db/errors.ts';
import type { Logger } from './log.ts';
import type { RequestRecords } from './request-records.ts';
import { sendPage } from './html.ts';
import { errorPage } from './error-page.ts';

// Any id a client's tracing could send (short ones such as `req-1` included), and nothing a log line or
// header could be abused with.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const shuttingDown = () => new AppError(503, 'SERVICE_UNAVAILABLE', 'Server is shutting down', { headers: { 'Retry-After': '1', Connection: 'close' } });

export interface RequestPolicy {
  /** While draining on SIGTERM, new requests (all but /healthz) get 503 so the load balancer moves on. */
  isShuttingDown(): boolean;
}

/** The security headers every response carries (the answers Node's parser refuses use them too: client-errors.ts). */
export const FIXED_HEADERS: readonly (readonly [string, string])[] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Frame-Options', 'DENY'],
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
];

/**
 * Headers every response carries, set on Node's response directly: they are constants, and going
 * through Koa's ctx.set (delegation, re-checks) costs about a microsecond each on every request.
 */
function setFixedHeaders(ctx: AppContext, requestId: string): void {
  const res = ctx.res;
  res.setHeader('X-Request-Id', requestId);
  for (const [name, value] of FIXED_HEADERS) res.setHeader(name, value);
  // API responses carry tokens and personal data: never cache them.
  if (ctx.path.startsWith('/api/')) res.setHeader('Cache-Control', 'no-store');
  if (ctx.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
}

export function requestContext(logger: Logger, records: RequestRecords, policy: RequestPolicy = { isShuttingDown: () => false }) {
  return async function requestContextMiddleware(ctx: AppContext, next: Next): Promise<void> {
    const started = performance.now();
    const incoming = ctx.get('x-request-id');
    const requestId = SANE_REQUEST_ID.test(incoming) ? incoming : newRequestId();
    ctx.state.requestId = requestId;
    setFixedHeaders(ctx, requestId);
    try {
      if (policy.isShuttingDown() && ctx.path !== '/healthz') throw shuttingDown();
      await next();
      if (ctx.body === undefined || ctx.body === null) {
        if (ctx.status === 404) throw notFound('Route not found');
        if (ctx.status === 405) throw methodNotAllowed(ctx.response.get('Allow'));
        // 501 is @koa/router's answer to a method no route of it takes (TRACE, PROPFIND, …): to the
        // contract a wrong verb (405, with the methods the path takes), or an unknown route (404).
        if (ctx.status === 501) {
          const allow = ctx.response.get('Allow');
          throw allow ? methodNotAllowed(allow) : notFound('Route not found');
        }
      }
    } catch (err) {
      renderError(ctx, err, logger);
    } finally {
      records.add(ctx.state.requestId, ctx.method, String(ctx._matchedRoute ?? 'unmatched'), ctx.status, performance.now() - started);
    }
  };
}

function toAppError(err: unknown, ctx: AppContext, logger: Logger): AppError {
  if (err instanceof AppError) return err;
  if (isDatabaseUnavailable(err)) {
    logger.error({ reqId: ctx.state.requestId, err: { message: (err as Error).message } }, 'database unavailable');
    return serviceUnavailable('The database is unavailable; try again shortly');
  }
  // The row a change was about went away between the route finding it and its transaction changing
  // it (two DELETEs of one key at once): the 404 the slower request would have got a moment later.
  if (isRecordNotFound(err)) return notFound('Not found');
  const clientError = fromHttpError(err);
  if (clientError) return clientError;
  logger.error({ reqId: ctx.state.requestId, err }, 'unhandled error');
  return new AppError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error', { expose: false });
}

/** The contract's code for each 4xx status it names, and the message shown when the error's is not exposed. */
const CLIENT_ERRORS: Record<number, [code: string, message: string]> = {
  400: ['BAD_REQUEST', 'Bad request'],
  401: ['UNAUTHORIZED', 'Authentication required'],
  403: ['FORBIDDEN', 'You do not have permission to do this'],
  404: ['NOT_FOUND', 'Not found'],
  405: ['METHOD_NOT_ALLOWED', 'Method not allowed'],
  409: ['CONFLICT', 'Conflict'],
  413: ['PAYLOAD_TOO_LARGE', 'Request body is larger than 1 MiB'],
  415: ['UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type'],
  429: ['RATE_LIMIT_EXCEEDED', 'Rate limit exceeded'],
};

/**
 * An error thrown by Koa or a library in the http-errors shape (`ctx.throw(404)`, `createError(…)`):
 * a numeric 4xx `status`, and `expose` when its message was written for the client. It is the
 * client's fault, so it keeps its status under the contract's code, not a 500; its message is shown
 * only when exposed.
 */
function fromHttpError(err: unknown): AppError | undefined {
  const e = err as { status?: unknown; expose?: unknown; message?: unknown; headers?: unknown } | null;
  if (typeof e?.status !== 'number' || e.status < 400 || e.status > 499) return undefined;
  // A 4xx the contract has no code for (418, 422, …) is reported as the 400 it is closest to.
  const known = CLIENT_ERRORS[e.status];
  const status = known ? e.status : 400;
  const [code, generic] = known ?? ['BAD_REQUEST', 'Bad request'];
  const exposed = e.expose === true;
  const message = exposed && typeof e.message === 'string' && e.message ? e.message : generic;
  const headers: Record<string, string> = {};
  if (exposed && e.headers && typeof e.headers === 'object') {
    for (const [k, v] of Object.entries(e.headers)) if (typeof v === 'string') headers[k] = v;
  }
  if (status === 429) headers['Retry-After'] ??= '1';
  return new AppError(status, code, message, { headers });
}

/**
 * RFC 7235: every 401 names the scheme that would succeed. The places that check credentials set
 * their own challenge; this covers any other 401 (a failed sign-in, the metrics token).
 */
function challengeFor(ctx: AppContext): string {
  return ctx.path.startsWith('/api/service/') ? API_KEY_CHALLENGE : BEARER_CHALLENGE;
}

export function renderError(ctx: AppContext, err: unknown, logger: Logger): void {
  const e = toAppError(err, ctx, logger);
  ctx.status = e.status;
  for (const [k, v] of Object.entries(e.headers)) ctx.set(k, v);
  if (e.status === 401 && !ctx.response.get('WWW-Authenticate')) ctx.set('WWW-Authenticate', challengeFor(ctx));
  const message = e.expose ? e.message : 'Internal server error';
  if (ctx.state.html && !ctx.accepts('html', 'json').toString().includes('json')) {
    sendPage(ctx, e.status, errorPage(ctx, e, message));
    return;
  }
  ctx.type = 'application/json; charset=utf-8';
  ctx.body = {
    error: message,
    error_code: e.code,
    timestamp: new Date().toISOString(),
    request_id: ctx.state.requestId,
    ...(e.details ? { details: e.details } : {}),
    ...(e.reason ? { reason: e.reason } : {}),
    ...(e.expose ? e.extra : undefined),
  };
}
