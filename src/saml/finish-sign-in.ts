// The end of a hosted sign-in for a pending SAML request, once the user reached a level: after the
// password (saml/login-page.ts, level 1) or after a second factor (mfa/sign-in.ts, level 2). One place
// decides what comes next (mfa/policy.ts nextStep), spends the request, and answers the SP: the
// Response at the level reached, or NoAuthnContext to the verified ACS. Nothing is sent to an SP, and
// no session is made, before the step the policy or the request asks for has passed.
import type { Deps } from '../deps.ts';
import type { AppContext } from '../http/context.ts';
import { recordHostedAttempt } from '../audit/sign-ins.ts';
import { nextStep } from '../mfa/policy.ts';
import { parseStoredContext, type Level } from './authn-context.ts';
import { issueErrorResponse, issueResponse, replyToPending } from './issue.ts';
import { SamlRefusal } from './pipeline/reasons.ts';
import { STATUS } from './response.ts';
import type { SamlRuntime } from './runtime.ts';
import { consumePending, type LiveSession } from './session.ts';
import { NO_AUTHN_CONTEXT } from './step-up.ts';

export interface PendingSignIn {
  pending: { id: string; serviceId: string; requestId: string | null; acsUrl: string | null; relayState: string | null; requestedAuthnContext: string | null };
  user: { id: string; email: string };
  /** 1: the password passed; 2: a second factor passed too. */
  have: Level;
  /** The session to answer with, asked for only once the request is spent and a Response is due. */
  session: () => Promise<LiveSession | null>;
  /** Level 1 only: the second factor (or its enrollment) the policy or the request asks for. */
  secondFactor?: (kind: 'factor' | 'enroll') => Promise<void>;
  /** The caller's pages: the request can no longer be answered; an IdP-initiated sign-in can never meet the policy. */
  pages: { expired: () => void | Promise<void>; unavailable: () => void };
}

export async function finishPendingSignIn(deps: Deps, saml: SamlRuntime, ctx: AppContext, f: PendingSignIn): Promise<void> {
  const { pending, user, pages } = f;
  const target = await saml.directory.byId(pending.serviceId);
  // An IdP-initiated sign-in (no request ID) resumes only while the service still allows it, and a
  // request's ACS only while it is still registered.
  const reply = target ? replyToPending(pending, target) : null;
  if (!target || !reply || (pending.requestId === null && !target.settings.allowIdpInitiated)) {
    await pages.expired();
    return;
  }
  const requested = parseStoredContext(pending.requestedAuthnContext);
  const step = await nextStep(saml.factors, { org: target.org, requireMfa: target.settings.requireMfa, requested, have: f.have, userId: user.id });
  if ((step.kind === 'factor' || step.kind === 'enroll') && f.secondFactor) {
    // The password was right but does not sign in alone: this attempt's row says so, so that a right
    // password left at the factor page is seen too. The factor's own outcome is the next row.
    const who = { organizationId: target.org.id, serviceId: target.service.id, userId: user.id, email: user.email };
    await recordHostedAttempt(deps.db, deps.logger, ctx, who, 'mfa_required');
    await f.secondFactor(step.kind);
    return;
  }
  if (!(await consumePending(deps.db, pending.id))) {
    await pages.expired();
    return;
  }
  if (step.kind !== 'issue') {
    const who = { organizationId: target.org.id, serviceId: target.service.id, userId: user.id, email: user.email };
    await recordHostedAttempt(deps.db, deps.logger, ctx, who, 'no_authn_context');
    if (pending.requestId === null) pages.unavailable();
    else issueErrorResponse(ctx, target, STATUS.noAuthnContext, NO_AUTHN_CONTEXT, reply);
    return;
  }
  const session = await f.session();
  if (!session) {
    await pages.expired();
    return;
  }
  try {
    await issueResponse(saml, ctx, target, session, reply, { flow: 'login', binding: null }, step.level);
  } catch (err) {
    // A refusal found only now (name_id_unavailable: the user lacks the NameID's attribute) is this
    // sign-in's outcome: its row, warn line and count, as the SAML routes' refusals have (CONTRACT §12);
    // the error page then shows its reason and reference as usual.
    if (err instanceof SamlRefusal) {
      const who = { organizationId: target.org.id, serviceId: target.service.id, userId: user.id, email: user.email };
      await recordHostedAttempt(deps.db, deps.logger, ctx, who, err.reason);
      saml.outcomes?.inc({ outcome: 'refused', reason: err.reason });
    }
    throw err;
  }
}
