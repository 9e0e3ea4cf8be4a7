// Request bodies: at most 1 MiB (413), JSON only where JSON is expected (415), objects only, and no
// __proto__/constructor/prototype keys anywhere (400) so nothing downstream can be polluted.
import type { Next } from 'koa';
import type { AppContext } from './context.ts';
import { AppError, badRequest, payloadTooLarge, unsupportedMediaType } from './errors.ts';

export const MAX_BODY_BYTES = 1024 * 1024;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export async function readRawBody(ctx: AppContext, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(ctx.get('content-length') || '0');
  if (declared > limit) throw payloadTooLarge();
  // A body in an encoding Tessera does not decode (gzip, …) would otherwise be read as garbage JSON.
  const encoding = ctx.get('content-encoding').trim().toLowerCase();
  if (encoding && encoding !== 'identity') throw unsupportedMediaType('Content-Encoding is not supported; send the body uncompressed');
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of ctx.req) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > limit) throw payloadTooLarge();
      chunks.push(buf);
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    // The client went away mid-body (Node's "aborted", code ECONNRESET): its fault, and not the
    // database's (the error renderer would take ECONNRESET for an unreachable database and log it so).
    throw badRequest('The request body ended before it was complete');
  }
  return Buffer.concat(chunks);
}

function hasBody(ctx: AppContext): boolean {
  const len = ctx.get('content-length');
  if (len) return Number(len) > 0;
  return Boolean(ctx.get('transfer-encoding'));
}

export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v: unknown) => {
      if (FORBIDDEN_KEYS.has(key)) throw new SyntaxError('forbidden key');
      // PostgreSQL text cannot hold U+0000; refuse it everywhere so both databases behave alike.
      if (key.includes('\u0000') || (typeof v === 'string' && v.includes('\u0000'))) throw new SyntaxError('nul character');
      return v;
    });
  } catch (err) {
    if (err instanceof SyntaxError && err.message === 'forbidden key') {
      throw badRequest('Request body contains a forbidden key (__proto__, constructor or prototype)');
    }
    if (err instanceof SyntaxError && err.message === 'nul character') throw badRequest('Request body contains a NUL character');
    throw badRequest('Request body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest('Request body must be a JSON object');
  return value as Record<string, unknown>;
}

/** For JSON endpoints: sets ctx.request.body to the parsed object ({} when there is no body). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function jsonBody(ctx: AppContext, next: Next): Promise<unknown> {
  if (!BODY_METHODS.has(ctx.method) || !hasBody(ctx)) {
    ctx.request.body = {};
    return next();
  }
  return readJsonBody(ctx).then(next);
}

async function readJsonBody(ctx: AppContext): Promise<void> {
  if (!ctx.is('application/json')) throw unsupportedMediaType();
  const raw = await readRawBody(ctx);
  ctx.request.body = raw.length === 0 ? {} : parseJsonObject(raw.toString('utf8'));
}

/** For hosted HTML forms (application/x-www-form-urlencoded). */
export async function formBody(ctx: AppContext, next: Next): Promise<void> {
  if (ctx.method === 'POST') {
    if (!ctx.is('application/x-www-form-urlencoded')) throw unsupportedMediaType('Content-Type must be application/x-www-form-urlencoded');
    // The same 1 MiB as every body: a SAML message within it but over its binding's own limit is then
    // the SAML refusal (400, CONTRACT §7), not a body error.
    const raw = await readRawBody(ctx);
    const params = new URLSearchParams(raw.toString('utf8'));
    const body: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [k, v] of params) {
      if (FORBIDDEN_KEYS.has(k)) continue;
      // No hosted form has a field twice. Taking the last (or the first) would let one part of a request
      // read another value than the rest, as a query parameter sent twice is refused for (SAML Redirect).
      if (k in body) throw badRequest(`Form field ${k} appears more than once`, [{ field: k, message: 'appears more than once' }]);
      body[k] = v;
    }
    ctx.request.body = body;
  }
  await next();
}

declare module 'koa' {
  interface Request {
    body?: unknown;
  }
}
