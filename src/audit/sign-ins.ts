// Sign-in activity: one row per hosted sign-in attempt and per SSO, SLO and IdP-initiated outcome
// (docs/api.md, Sign-in activity). A successful SSO's row is one more statement of the sign-in's group
// commit (saml/sign-in-record.ts: no extra round trip on the hot path); refusals and the other outcomes
// are written one by one, after the outcome is decided. Either way the day counters of the list's
// totals (day-counts.ts) are incremented in the same transaction.
import type { Db } from '../db/client.ts';
import { join, sql, type Sql } from '../db/sql.ts';
import type { AppContext } from '../http/context.ts';
import type { Logger } from '../http/log.ts';
import { newSortableId } from '../security/random.ts';
import type { SignInReason } from './reasons.ts';
import { countSignIns } from './day-counts.ts';
import { runBatch } from '../db/statements.ts';

export type SignInFlow = 'sso' | 'idp_initiated' | 'login' | 'slo';

export interface SignInActivity {
  organizationId: string;
  flow: SignInFlow;
  outcome: 'success' | 'refused';
  reason: SignInReason | null;
  userId: string | null;
  email: string | null;
  serviceId: string | null;
  binding: string | null;
  authnContext: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  at: Date;
}

const MAX_UA = 512;
const MAX_EMAIL = 254;

/** Where the attempt came from: the client address (TRUST_PROXY decides, as everywhere), agent and request id. */
export function requestFacts(ctx: AppContext): Pick<SignInActivity, 'ip' | 'userAgent' | 'requestId' | 'at'> {
  const ua = ctx.get('user-agent');
  return { ip: ctx.ip || null, userAgent: ua ? ua.slice(0, MAX_UA) : null, requestId: ctx.state.requestId, at: new Date() };
}

/** The rows as one multi-row INSERT, for a group commit. */
export function insertSignIns(rows: SignInActivity[]): Sql {
  return sql`INSERT INTO "sign_ins" ("id", "organization_id", "flow", "outcome", "reason", "user_id", "email", "service_id", "binding", "authn_context", "ip", "user_agent", "request_id", "created_at")
    VALUES ${join(
      rows.map(
        (r) =>
          sql`(${newSortableId('sgn')}, ${r.organizationId}, ${r.flow}, ${r.outcome}, ${r.reason}, ${r.userId}, ${r.email?.slice(0, MAX_EMAIL) ?? null}, ${r.serviceId}, ${r.binding}, ${r.authnContext}, ${r.ip}, ${r.userAgent}, ${r.requestId}, ${r.at})`,
      ),
    )}`;
}

/** The rows and their day counters: the statements a transaction writing sign-ins runs. */
export function signInStatements(rows: SignInActivity[]): Sql[] {
  return [insertSignIns(rows), countSignIns(rows)];
}

/** One row, alone (refusals and the outcomes off the SSO hot path), with its counter. */
export async function recordSignIn(db: Db, row: SignInActivity): Promise<void> {
  await runBatch(db, null, signInStatements([row]));
}

/** Whose hosted sign-in attempt it was: the service when it answers one of its requests (none on /account). */
export interface HostedAttempt {
  organizationId: string;
  serviceId: string | null;
  userId: string | null;
  email: string | null;
}

/**
 * A hosted sign-in attempt (the SAML sign-in page, /account, the second-factor step): its row and, when
 * refused, a warn line with the same reason, as a refused SAML request has (saml/refusals.ts).
 */
export async function recordHostedAttempt(db: Db, logger: Logger, ctx: AppContext, who: HostedAttempt, reason: SignInReason | null): Promise<void> {
  if (reason) logger.warn({ reqId: ctx.state.requestId, reason, flow: 'login' }, 'sign-in refused');
  const outcome = reason ? 'refused' : 'success';
  await recordSignIn(db, { ...requestFacts(ctx), ...who, email: who.email || null, flow: 'login', outcome, reason, binding: null, authnContext: null });
}
