// /saml/:org/:service/* — metadata, SP-initiated and IdP-initiated SSO (docs/api.md, SAML protocol). Errors before the ACS is
// verified render locally (HTML, or JSON on Accept: application/json); nothing goes to an ACS.
import Router from '@koa/router';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { formBody } from '../http/body.ts';
import type { Metrics } from '../ops/metrics.ts';
import { rawQueryParams, decodeQueryComponent } from './xml/signature.ts';
import { acceptAuthnRequest, type IncomingMessage } from './pipeline/index.ts';
import { assertRelayState } from './pipeline/check-relay-state.ts';
import { refuse } from './pipeline/reasons.ts';
import { reportRefusals } from './refusals.ts';
import { buildMetadata } from './metadata.ts';
import { currentSession, storePending } from './session.ts';
import { issueErrorResponse, issueResponse } from './issue.ts';
import { STATUS } from './response.ts';
import type { SamlRuntime } from './runtime.ts';

export function samlRoutes(deps: Deps, saml: SamlRuntime, metrics: Metrics): Router<AppState, AppContext> {
  const { db } = deps;
  const router = new Router<AppState, AppContext>({ prefix: '/saml/:org/:service' });
  router.use(async (ctx, next) => {
    ctx.state.html = true;
    await next();
  });
  const target = (ctx: AppContext) => saml.directory.resolve(ctx.params.org ?? '', ctx.params.service ?? '');
  const refusals = reportRefusals(deps.logger, metrics.ssoOutcomes);
  const count = (outcome: string) => {
    metrics.ssoOutcomes.inc({ outcome, reason: '' });
  };

  router.get('/metadata', async (ctx) => {
    const t = await target(ctx);
    ctx.type = 'application/samlmetadata+xml; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = await buildMetadata(db, t);
  });

  const sso = async (ctx: AppContext, msg: IncomingMessage) => {
    const t = await target(ctx);
    const req = await acceptAuthnRequest(msg, t, saml);
    const reply = { acsUrl: req.replyTo, inResponseTo: req.id, relayState: msg.relayState };
    const session = req.forceAuthn ? null : await currentSession(deps.database, ctx, t.org.id);
    if (session) {
      await issueResponse(saml, ctx, t, session, reply);
      count('success_session');
      return;
    }
    if (req.isPassive) {
      issueErrorResponse(ctx, t, STATUS.noPassive, 'No session and IsPassive was requested', reply);
      count('no_passive');
      return;
    }
    const pending = { serviceId: t.service.id, requestId: req.id, relayState: msg.relayState, forceAuthn: req.forceAuthn, acsUrl: req.replyTo };
    const state = await storePending(db, pending);
    count('sign_in_required');
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(`/login?state=${encodeURIComponent(state)}`);
  };

  router.get('/sso', refusals, async (ctx) => {
    const rawParams = rawQueryParams(ctx.querystring);
    const raw = rawParams.get('SAMLRequest');
    const relay = rawParams.get('RelayState');
    await sso(ctx, {
      binding: 'redirect',
      rawParams,
      message: raw === undefined ? '' : decodeQueryComponent(raw),
      relayState: relay === undefined ? undefined : decodeQueryComponent(relay),
    });
  });

  router.post('/sso', formBody, refusals, async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, string | undefined>;
    await sso(ctx, { binding: 'post', rawParams: new Map(), message: body.SAMLRequest ?? '', relayState: body.RelayState });
  });

  // IdP-initiated SSO: an unsolicited Response (no InResponseTo) to the default ACS endpoint, nowhere else.
  router.get('/init', refusals, async (ctx) => {
    const t = await target(ctx);
    if (!t.settings.allowIdpInitiated) throw refuse('idp_initiated_disabled', 'IdP-initiated sign-in is not enabled for this service');
    const raw = ctx.query.RelayState;
    if (Array.isArray(raw)) throw refuse('malformed_request', 'RelayState must appear at most once');
    const relay = raw || undefined; // an empty RelayState carries nothing: leave it out of the form
    assertRelayState(relay);
    const session = await currentSession(deps.database, ctx, t.org.id);
    if (session) {
      await issueResponse(saml, ctx, t, session, { acsUrl: t.settings.acsUrl, inResponseTo: undefined, relayState: relay });
      count('idp_initiated_session');
      return;
    }
    // No request ID to answer: after sign-in the flow resumes with an unsolicited Response.
    const state = await storePending(db, { serviceId: t.service.id, requestId: null, relayState: relay, forceAuthn: false, acsUrl: null });
    count('idp_initiated_sign_in');
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(`/login?state=${encodeURIComponent(state)}`);
  });

  return router;
}
