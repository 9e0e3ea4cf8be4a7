// SSO for a browser that already has a session: reuse it when it is strong enough for the request
// (docs/security.md, Step-up and AuthnContext), otherwise ask for the second factor (step-up) or, when
// nothing can satisfy the request, answer NoAuthnContext to the verified ACS.
import type { Database } from '../db/client.ts';
import type { AppContext } from '../http/context.ts';
import { nextStep } from '../mfa/policy.ts';
import type { RequestedContext } from './authn-context.ts';
import { issueErrorResponse, issueResponse, type Reply, type SignInVia } from './issue.ts';
import type { ResolvedService } from './pipeline/types.ts';
import { STATUS } from './response.ts';
import type { SamlRuntime } from './runtime.ts';
import { storePending, type LiveSession } from './session.ts';

export const NO_AUTHN_CONTEXT = 'The requested authentication context cannot be satisfied';

export interface SessionRequest {
  requestId: string | undefined;
  /** The ACS the pipeline verified (checkAcs), or the default for IdP-initiated sign-in. */
  acsUrl: string;
  relayState: string | undefined;
  requested: RequestedContext | null;
  isPassive: boolean;
  /** How the request came, for its sign-in activity row. */
  via: SignInVia;
}

function replyOf(req: SessionRequest): Reply {
  return { acsUrl: req.acsUrl, inResponseTo: req.requestId, relayState: req.relayState };
}

/** NoAuthnContext to the verified ACS. */
export function answerUnsatisfiable(ctx: AppContext, t: ResolvedService, req: SessionRequest): 'no_authn_context' {
  issueErrorResponse(ctx, t, STATUS.noAuthnContext, NO_AUTHN_CONTEXT, replyOf(req));
  return 'no_authn_context';
}

/** Answers with the session, or redirects to the second-factor step; returns the outcome for the metrics. */
export async function answerWithSession(
  database: Database,
  saml: SamlRuntime,
  ctx: AppContext,
  t: ResolvedService,
  session: LiveSession,
  req: SessionRequest,
): Promise<'session' | 'no_authn_context' | 'no_passive' | 'step_up'> {
  const db = database.prisma;
  const step = await nextStep(saml.factors, {
    org: t.org,
    requireMfa: t.settings.requireMfa,
    requested: req.requested,
    have: session.mfaAt ? 2 : 1,
    userId: session.user.id,
  });
  if (step.kind === 'issue') {
    await issueResponse(saml, ctx, t, session, replyOf(req), req.via, step.level);
    return 'session';
  }
  if (step.kind === 'unsatisfiable') return answerUnsatisfiable(ctx, t, req);
  if (req.isPassive) {
    issueErrorResponse(ctx, t, STATUS.noPassive, 'A second factor is needed and IsPassive was requested', replyOf(req));
    return 'no_passive';
  }
  const state = await storePending(db, {
    serviceId: t.service.id,
    requestId: req.requestId ?? null,
    relayState: req.relayState,
    forceAuthn: false,
    acsUrl: req.acsUrl,
    requestedContext: req.requested ?? undefined,
  });
  ctx.set('Cache-Control', 'no-store');
  ctx.redirect(`/login/factor?state=${encodeURIComponent(state)}`);
  return 'step_up';
}
