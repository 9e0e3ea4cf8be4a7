import { z } from 'zod';
import { badRequest, type ErrorDetail } from './errors.ts';
import type { Step } from './route.ts';

/** A type or enum mismatch whose input was undefined: the field was not sent (JSON has no undefined). */
function isAbsent(issue: z.core.$ZodIssue): boolean {
  return (issue.code === 'invalid_type' || issue.code === 'invalid_value') && 'input' in issue && issue.input === undefined;
}

function details(error: z.ZodError): ErrorDetail[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      // One entry per key, with the path to it inside a nested object (an entry of acs_urls: acs_urls.0.foo).
      return issue.keys.map((k) => {
        const field = [...issue.path.map(String), k].join('.');
        return { field, message: `Unknown field: ${field}` };
      });
    }
    const field = issue.path.map(String).join('.') || '(body)';
    // zod says "Invalid input: expected string, received undefined" (or lists an enum's options) for a
    // field that is simply absent: say so.
    if (isAbsent(issue)) return [{ field, message: `${field} is required` }];
    return [{ field, message: issue.message }];
  });
}

/**
 * Parses with the schema or throws 400 BAD_REQUEST with `details`. With one problem the error says
 * `<message>: <the problem>`, or the problem alone when `message` is null (the Service API, whose seed
 * fixes the error of a bad email as exactly "Invalid email format"); with several, `message`.
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, message: string | null = 'Validation failed'): z.output<S> {
  // reportInput keeps each issue's input (zod 4 drops it by default): details() tells an absent field
  // from a wrong one by it. The inputs stay here; only messages reach the client.
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) {
    const d = details(result.error);
    const one = d.length === 1 ? d[0]?.message : undefined;
    const error = one === undefined ? (message ?? 'Validation failed') : message === null ? one : `${message}: ${one}`;
    throw badRequest(error, d);
  }
  return result.data;
}

export const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ error: 'Invalid email format' }))
  .transform((e) => e.toLowerCase());
export const Slug = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{1,48}[a-z0-9])$/, 'Slug must be 3-50 characters of a-z, 0-9 and -, starting and ending with a letter or digit');
/**
 * Whether a value that may travel into a SAML assertion or metadata is text an XML document can hold:
 * no C0 control character but tab, LF and CR, no DEL, no U+FFFE or U+FFFF, no unpaired surrogate. XML
 * 1.0 forbids most of these outright, and a Response holding one is no XML at all to an SP's parser.
 */
// eslint-disable-next-line no-control-regex
const NOT_ASSERTION_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]|\p{Cs}/u;
export const isAssertionText = (value: string): boolean => !NOT_ASSERTION_TEXT.test(value);
export const ASSERTION_TEXT_MESSAGE = 'must not contain control characters or characters XML does not allow (U+FFFE, U+FFFF, unpaired surrogates)';
/**
 * What a name may not hold beyond assertion text's rule: a line break or tab (a name is one line: a page
 * title, an email subject, a certificate's subject), a C1 control, or a bidirectional override or
 * isolate, which can make a name read as another one.
 */
const NOT_NAME_TEXT = /[\t\n\r\u0080-\u009F\u202A-\u202E\u2066-\u2069]/;
/**
 * The name of an organization, service, API key or admin account. Names reach the hosted pages, the
 * IdP certificate's subject and the console; an unpaired surrogate would be stored as U+FFFD.
 */
export const Name = z
  .string()
  .trim()
  .min(1, 'Name must not be empty')
  .max(200, 'Name must be at most 200 characters')
  .refine(
    (v) => isAssertionText(v) && !NOT_NAME_TEXT.test(v),
    'Name must be one line without control characters, bidirectional overrides or unpaired surrogates',
  );

export const Password = z.string().min(10, 'Password must be at least 10 characters').max(256, 'Password must be at most 256 characters');

/**
 * Pagination per the contract: limit 1–100 (default 50), offset 0–1e9 (default 0); anything else 400
 * with a message stating the range. Digits only (no sign, exponent or fraction); the length bound
 * (ten digits: 1e9 itself) only keeps Number() exact, the range check decides.
 */
const intParam = (def: number, min: number, max: number, field: string) =>
  z.union([z.string(), z.undefined()]).transform((v, ctx) => {
    if (v === undefined) return def;
    if (!/^\d{1,10}$/.test(v) || Number(v) < min || Number(v) > max) {
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

// Route steps (http/route.ts) for what the client sends. Each parses with validate() above, so the
// 400 and its details are the same whether a route or a command validates.

export interface BodyOptions {
  /** The 400's message when the body does not parse ('Validation failed' otherwise). */
  message?: string;
  /** Rewrites the raw body before it is parsed (the SAML payload's sp_metadata_xml fills in fields). */
  prepare?: (raw: unknown) => unknown;
}

/** The JSON body parsed with `schema`, as `input`. */
export function body<S extends z.ZodType>(schema: S, options: BodyOptions = {}): Step<{ input: z.output<S> }> {
  return (ctx) => {
    const raw = options.prepare ? options.prepare(ctx.request.body) : ctx.request.body;
    const input = validate(schema, raw, options.message);
    ctx.state.input = input;
    return { input };
  };
}

/** The query string parsed with `schema`, as `query`. */
export function query<S extends z.ZodType>(schema: S, message?: string): Step<{ query: z.output<S> }> {
  return (ctx) => {
    const parsed = validate(schema, { ...ctx.query }, message);
    ctx.state.query = parsed;
    return { query: parsed };
  };
}

/** limit and offset from the query string, as `page`. */
export const paged: Step<{ page: Page }> = (ctx) => {
  const page = pageFrom(ctx.query);
  ctx.state.page = page;
  return { page };
};
