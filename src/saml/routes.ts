// /saml/:org/:service/* — metadata, SP-initiated and IdP-initiated SSO (docs/api.md, SAML protocol). Errors before the ACS is
// verified render locally (HTML, or JSON on Accept: application/json); nothing goes to an ACS.
import Router from '@koa/router';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { formBody } from '../http/body.ts';
import { brandOf } from '../http/brand.ts';
import type { Metrics } from '../ops/metrics.ts';
import { rawQueryParams, decodeQueryComponent } from './xml/signature.ts';
import { acceptAuthnRequest, type IncomingMessage } from './pipeline/index.ts';
import { assertRelayState } from './pipeline/check-relay-state.ts';
import { refuse } from './pipeline/reasons.ts';
import { methodNotAllowed } from '../http/errors.ts';
import { refusalReporter, reportRefusals } from './refusals.ts';
import { refusalEvent } from './refusal-events.ts';
import { buildMetadata } from './metadata.ts';
import { currentSession, storePending } from './session.ts';
import { issueErrorResponse } from './issue.ts';
import { answerUnsatisfiable, answerWithSession } from './step-up.ts';
import { acceptableLevels } from './authn-context.ts';
import { STATUS } from './response.ts';
import type { SamlRuntime } from './runtime.ts';
import { samlOutcomes } from '../audit/saml-activity.ts';
import type { ResolvedService } from './pipeline/types.ts';

type RefusedWithStatus = ReturnType<typeof refusalReporter>;
/** The flow's URLs (a trailing slash matches the route too); the metadata is not one of them. */
const FLOW_PATH = /\/(sso|init|slo)\/?$/;

export function samlRoutes(deps: Deps, saml: SamlRuntime, metrics: Metrics): Router<AppState, AppContext> {
  const { db } = deps;
  const router = new Router<AppState, AppContext>({ prefix: '/saml/:org/:service' });
  router.use(async (ctx, next) => {
    ctx.state.html = true;
    // A HEAD carries the same SAML message as the GET it mirrors, but nobody acts on its answer: running
    // the flow would spend the request's ID in the replay cache (or end a session, at /slo), and the
    // browser's own GET would then be refused. Link checkers and prefetchers send HEAD; it is answered
    // without reading the message. The metadata, a plain document, answers HEAD like GET.
    const flow = ctx.method === 'HEAD' ? FLOW_PATH.exec(ctx.path) : null;
    if (flow) throw methodNotAllowed(flow[1] === 'init' ? 'GET' : 'GET, POST');
    await next();
  });
  // Once the service is known, its organization brands every page of the flow, error pages included.
  const target = async (ctx: AppContext) => {
    const resolved = await saml.directory.resolve(ctx.params.org ?? '', ctx.params.service ?? '');
    ctx.state.brand = brandOf(resolved.org);
    return resolved;
  };
  const outcomes = samlOutcomes(db, saml.directory, deps.logger);
  // Thrown refusals, and NoPassive and NoAuthnContext (answered to the SP as a status), reported alike.
  const refused = refusalReporter(deps.logger, metrics.ssoOutcomes, outcomes, refusalEvent(deps, saml.directory));
  const refusals = reportRefusals(metrics.ssoOutcomes, refused);
  const count = (outcome: string) => {
    metrics.ssoOutcomes.inc({ outcome, reason: '' });
  };

  router.get('/metadata', async (ctx) => {
    // Fetched by programs (SPs, fetch() in a script): its errors are the JSON envelope unless the
    // client prefers HTML, as a browser's navigation does. The flow's pages below are for browsers.
    ctx.state.html = ctx.accepts('json', 'html') === 'html';
    ctx.vary('Accept');
    const t = await target(ctx);
    ctx.type = 'application/samlmetadata+xml; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = await buildMetadata(db, t);
  });

  const sso = ssoHandler(deps, saml, target, count, refused);

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
      const unsolicited = {
        requestId: undefined,
        acsUrl: t.settings.acsUrl,
        relayState: relay,
        requested: null,
        isPassive: false,
        via: { flow: 'idp_initiated' as const, binding: null },
      };
      const outcome = await answerWithSession(deps.database, saml, ctx, t, session, unsolicited);
      // The session's user is known: the refused row names them, as a refusal after the password does.
      if (outcome === 'no_authn_context' || outcome === 'no_passive') await refused(ctx, outcome, { user: session.user });
      else count(outcome === 'session' ? 'idp_initiated_session' : outcome);
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

/** SP-initiated SSO after the request passed the pipeline: answer from the session, refuse, or ask for sign-in. */
function ssoHandler(
  deps: Deps,
  saml: SamlRuntime,
  target: (ctx: AppContext) => Promise<ResolvedService>,
  count: (outcome: string) => void,
  refused: RefusedWithStatus,
) {
  const { db } = deps;
  return async (ctx: AppContext, msg: IncomingMessage) => {
    const t = await target(ctx);
    const req = await acceptAuthnRequest(msg, t, saml);
    const requested = req.requestedContext ?? null;
    const session = req.forceAuthn ? null : await currentSession(deps.database, ctx, t.org.id);
    const unsatisfiable = !session && acceptableLevels(requested).length === 0;
    if (session || unsatisfiable) {
      // With no session, a request no sign-in could satisfy (a class Tessera never issues) is answered before anyone signs in.
      const r = {
        requestId: req.id,
        acsUrl: req.replyTo,
        relayState: msg.relayState,
        requested,
        isPassive: req.isPassive,
        via: { flow: 'sso' as const, binding: msg.binding },
      };
      const outcome = session ? await answerWithSession(deps.database, saml, ctx, t, session, r) : answerUnsatisfiable(ctx, t, r);
      if (outcome === 'no_authn_context' || outcome === 'no_passive') await refused(ctx, outcome, session ? { user: session.user } : {});
      else count(outcome === 'session' ? 'success_session' : outcome);
      return;
    }
    if (req.isPassive) {
      issueErrorResponse(ctx, t, STATUS.noPassive, 'No session and IsPassive was requested', {
        acsUrl: req.replyTo,
        inResponseTo: req.id,
        relayState: msg.relayState,
      });
      await refused(ctx, 'no_passive');
      return;
    }
    const pending = { serviceId: t.service.id, requestId: req.id, relayState: msg.relayState, forceAuthn: req.forceAuthn, acsUrl: req.replyTo };
    const state = await storePending(db, { ...pending, requestedContext: requested ?? undefined });
    count('sign_in_required');
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(`/login?state=${encodeURIComponent(state)}`);
  };
}
