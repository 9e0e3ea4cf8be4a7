// Sign-in activity for the SAML endpoints' refusals and non-success answers. A refusal is attributed
// to the organization and service its URL names (/saml/:org/:service/…). An organization slug that
// names none (the request cannot belong to anyone's log) writes no row: the warn line and the metric
// still count it (docs/api.md, Sign-in activity). A service slug that names none in a real
// organization is recorded in that organization's activity with no service.
import type { Db } from '../db/client.ts';
import type { AppContext } from '../http/context.ts';
import type { Logger } from '../http/log.ts';
import { recordSignIn, requestFacts, type SignInActivity, type SignInFlow } from './sign-ins.ts';
import type { SignInReason } from './reasons.ts';

/** The flow of a SAML endpoint's path, and the binding of its verb. */
export function samlFlow(ctx: AppContext): Pick<SignInActivity, 'flow' | 'binding'> {
  const flow: SignInFlow = ctx.path.endsWith('/init') ? 'idp_initiated' : ctx.path.endsWith('/slo') ? 'slo' : 'sso';
  return { flow, binding: flow === 'idp_initiated' ? null : ctx.method === 'POST' ? 'post' : 'redirect' };
}

/** The organization and service a SAML URL names (SamlDirectory.owner, the directory's cache first). */
export interface SamlOwners {
  owner(orgSlug: string, serviceSlug: string): Promise<{ organizationId: string; serviceId: string | null } | null>;
}

/** `user`: the user a refusal is about when one is known (name_id_unavailable, or a live session answered NoPassive or NoAuthnContext), named in the row. */
export type SamlOutcomeRecorder = (
  ctx: AppContext,
  outcome: SignInActivity['outcome'],
  reason: SignInReason | null,
  user?: { id: string; email: string },
) => Promise<void>;

/**
 * Records the outcome of a SAML request whose service may not have been resolved. A failure to write
 * is logged and swallowed: the client's answer (a refusal page) must not turn into a 500 over it.
 */
export function samlOutcomes(db: Db, owners: SamlOwners, logger: Logger): SamlOutcomeRecorder {
  return async (ctx, outcome, reason, user) => {
    try {
      const found = await owners.owner(ctx.params.org ?? '', ctx.params.service ?? '');
      if (!found) return;
      await recordSignIn(db, {
        ...requestFacts(ctx),
        ...samlFlow(ctx),
        ...found,
        outcome,
        reason,
        userId: user?.id ?? null,
        email: user?.email ?? null,
        authnContext: null,
      });
    } catch (err) {
      logger.error({ reqId: ctx.state.requestId, err: { message: (err as Error).message } }, 'sign-in activity not recorded');
    }
  };
}
