// Shared presenter helpers: field formats live here so every capability prints them alike.
import type { Context } from 'koa';

/**
 * A body already serialised as JSON. Its Content-Type goes straight onto Node's response: Koa's type
 * setter looks the MIME type up again on every call.
 */
export function sendJsonText(ctx: Pick<Context, 'res' | 'body'>, json: string): void {
  ctx.res.setHeader('Content-Type', 'application/json; charset=utf-8');
  ctx.body = json;
}
export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** JSON-array columns (stored as text for SQLite/PostgreSQL parity). */
export function parseStringArray(text: string | null | undefined): string[] {
  if (!text) return [];
  const v: unknown = JSON.parse(text);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** JSON-object columns of string values (a SAML attribute mapping); a value of another type is left out. */
export function parseStringRecord(text: string | null | undefined): Record<string, string> {
  if (!text) return {};
  const v: unknown = JSON.parse(text);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
