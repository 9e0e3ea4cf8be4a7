import { z } from 'zod';
import { badRequest, type ErrorDetail } from './errors.ts';

function details(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return { field: issue.keys.join(','), message: `Unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}` };
    }
    return { field: issue.path.map(String).join('.') || '(body)', message: issue.message };
  });
}

/** Parses with the schema or throws 400 BAD_REQUEST with `details`. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, message = 'Validation failed'): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const d = details(result.error);
    throw badRequest(d.length === 1 && d[0] ? `${message}: ${d[0].message}` : message, d);
  }
  return result.data;
}

export const Email = z.string().trim().max(254).pipe(z.email({ message: 'Invalid email format' })).transform((e) => e.toLowerCase());
export const Slug = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{1,48}[a-z0-9])$/, 'Slug must be 3-50 characters of a-z, 0-9 and -, starting and ending with a letter or digit');
export const Name = z.string().trim().min(1, 'Name must not be empty').max(200, 'Name must be at most 200 characters');
export const Password = z.string().min(10, 'Password must be at least 10 characters').max(256, 'Password must be at most 256 characters');

/** Pagination per the contract: limit 1–100 (default 50), offset >= 0 (default 0); anything else 400. */
const intParam = (def: number, min: number, max: number, field: string) =>
  z.union([z.string(), z.undefined()]).transform((v, ctx) => {
    if (v === undefined) return def;
    if (!/^\d{1,9}$/.test(v) || Number(v) < min || Number(v) > max) {
      ctx.addIssue({ code: 'custom', message: `${field} must be an integer from ${min} to ${max}` });
      return z.NEVER;
    }
    return Number(v);
  });
export const Pagination = z.object({ limit: intParam(50, 1, 100, 'limit'), offset: intParam(0, 0, 1_000_000_000, 'offset') });
export type Page = z.output<typeof Pagination>;

export function pageFrom(query: Record<string, unknown>): Page {
  const single = (v: unknown) => (Array.isArray(v) ? '__many__' : v);
  return validate(Pagination, { limit: single(query.limit), offset: single(query.offset) }, 'Invalid pagination');
}
