// The one error hierarchy. Every failure a client sees is an AppError rendered by renderError in
// http/middleware.ts; anything else becomes a generic 500 carrying only the request id.

export interface ErrorDetail {
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[] | undefined;
  readonly headers: Record<string, string>;
  /** Only exposed errors show their message; others show a generic one. */
  readonly expose: boolean;
  /**
   * A stable code for why a request was refused (SAML refusals: saml/pipeline/reasons.ts), shown beside
   * the reference on the error page and in the JSON body, so a report from a user finds its log line.
   */
  readonly reason: string | undefined;
  /** Fields added to the JSON error body beside the envelope's (the admin sign-in's `mfa_token`). */
  readonly extra: Record<string, unknown> | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    opts: { details?: ErrorDetail[]; headers?: Record<string, string>; expose?: boolean; reason?: string; extra?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = opts.details;
    this.headers = opts.headers ?? {};
    this.expose = opts.expose ?? status < 500;
    this.reason = opts.reason;
    this.extra = opts.extra;
  }
}

export const badRequest = (message: string, details?: ErrorDetail[]) => new AppError(400, 'BAD_REQUEST', message, details ? { details } : {});
/**
 * RFC 7235: a 401 names the scheme that would work. The admin plane takes bearer tokens (RFC 6750); the
 * Service API takes a key in a header, for which no registered scheme exists, so it gets a descriptive one.
 */
export const BEARER_CHALLENGE = 'Bearer realm="tessera"';
export const BEARER_REFUSED_CHALLENGE = 'Bearer realm="tessera", error="invalid_token"';
export const API_KEY_CHALLENGE = 'ApiKey header="X-API-Key"';
export const unauthorized = (message = 'Authentication required', challenge?: string) =>
  new AppError(401, 'UNAUTHORIZED', message, challenge ? { headers: { 'WWW-Authenticate': challenge } } : {});
export const forbidden = (message = 'You do not have permission to do this') => new AppError(403, 'FORBIDDEN', message);
export const notFound = (message = 'Not found') => new AppError(404, 'NOT_FOUND', message);
export const methodNotAllowed = (allow: string) => new AppError(405, 'METHOD_NOT_ALLOWED', 'Method not allowed', { headers: allow ? { Allow: allow } : {} });
/** With `field`, the detail names the field whose value clashed (a taken slug, name or email), so a form shows it there. */
export const conflict = (message: string, field?: string) => new AppError(409, 'CONFLICT', message, field ? { details: [{ field, message }] } : {});
// The rest of an oversized body is never read, so the connection cannot carry another request: close it.
export const payloadTooLarge = (message = 'Request body is larger than 1 MiB') =>
  new AppError(413, 'PAYLOAD_TOO_LARGE', message, { headers: { Connection: 'close' } });
export const unsupportedMediaType = (message = 'Content-Type must be application/json') => new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', message);
export const rateLimited = (retryAfterSeconds: number, message = 'Rate limit exceeded') =>
  new AppError(429, 'RATE_LIMIT_EXCEEDED', message, { headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) } });
export const serviceUnavailable = (message = 'Service temporarily unavailable') =>
  new AppError(503, 'SERVICE_UNAVAILABLE', message, { headers: { 'Retry-After': '5' }, expose: true });
export const serviceLimitExceeded = (max: number) => new AppError(403, 'SERVICE_LIMIT_EXCEEDED', `This organization has reached its limit of ${max} services`);
