// What the audit-log and sign-in-activity lists accept (docs/api.md, Audit log and Sign-in activity).
// limit and offset are checked by the paged step; these schemas only let them through.
import { z } from 'zod';
import { ACTION_NAMES } from './actions.ts';
import { SIGN_IN_REASONS } from './reasons.ts';

const Instant = (field: string) =>
  z.iso.datetime({ offset: true, error: `${field} must be an RFC 3339 date-time, such as 2026-01-31T00:00:00Z` }).transform((s) => new Date(s));
const Plain = (field: string, max: number) =>
  z
    .string()
    .min(1, `${field} must not be empty`)
    .max(max, `${field} must be at most ${max} characters`)
    .refine((v) => !Array.from(v).some((c) => c.charCodeAt(0) < 0x20), `${field} must not contain control characters`);

const WINDOW = { since: Instant('since').optional(), until: Instant('until').optional(), limit: z.unknown().optional(), offset: z.unknown().optional() };
const ordered = (q: { since?: Date | undefined; until?: Date | undefined }) => !q.since || !q.until || q.since <= q.until;
const ORDER = { message: 'since must not be after until', path: ['since'] };

export const AuditFilter = z
  .strictObject({
    ...WINDOW,
    action: z.enum(ACTION_NAMES, { error: 'action must be one of the audit actions listed in the documentation' }).optional(),
    /** An actor id (acct_…, key_…, cli:…) or an account's email. */
    actor: Plain('actor', 254).optional(),
  })
  .refine(ordered, ORDER);

export const SignInFilter = z
  .strictObject({
    ...WINDOW,
    user_id: Plain('user_id', 100).optional(),
    /** A service slug or id (svc_…). */
    service: Plain('service', 100).optional(),
    outcome: z.enum(['success', 'refused'], { error: 'outcome must be success or refused' }).optional(),
    reason: z.enum(SIGN_IN_REASONS, { error: 'reason must be one of the sign-in reason codes listed in the documentation' }).optional(),
    request_id: Plain('request_id', 200).optional(),
  })
  .refine(ordered, ORDER);

export type AuditFilterInput = z.output<typeof AuditFilter>;
export type SignInFilterInput = z.output<typeof SignInFilter>;
