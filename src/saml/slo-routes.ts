// /saml/:org/:service/slo — Single Logout, HTTP-Redirect (GET) and HTTP-POST (docs/api.md, SAML protocol).
// A LogoutRequest from this service's SP ends the matching IdP session and starts the logout chain;
// a LogoutResponse is a participant answering the LogoutRequest the chain sent it. Anything that fails
// verification is a local 400 page: nothing is sent to any SP for an unverified message.
import { brandOf } from '../http/brand.ts';
import Router from '@koa/router';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { formBody } from '../http/body.ts';
import type { Metrics } from '../ops/metrics.ts';
import { rawQueryParams, decodeQueryComponent } from './xml/signature.ts';
import { acceptLogoutRequest, acceptLogoutResponse } from './pipeline/logout.ts';
import type { IncomingMessage } from './pipeline/types.ts';
import { refuse } from './pipeline/reasons.ts';
import { refusalReporter, reportRefusals } from './refusals.ts';
import { clearSessionCookie, matchLogoutSessions } from './logout-session.ts';
import { answerInitiator, resumeLogout, startLogout } from './logout-chain.ts';
import type { SamlRuntime } from './runtime.ts';
import { samlOutcomes } from '../audit/saml-activity.ts';

interface SloMessage {
  binding: IncomingMessage['binding'];
  rawParams: Map<string, string>;
  request: string | undefined;
  response: string | undefined;
  relayState: string | undefined;
}

export function sloRoutes(deps: Deps, saml: SamlRuntime, metrics: Pick<Metrics, 'sloOutcomes'>): Router<AppState, AppContext> {
  const { db } = deps;
  const router = new Router<AppState, AppContext>({ prefix: '/saml/:org/:service' });
  router.use(async (ctx, next) => {
    ctx.state.html = true;
    await next();
  });
  const outcomes = samlOutcomes(db, saml.directory, deps.logger);
  const refusals = reportRefusals(metrics.sloOutcomes, refusalReporter(deps.logger, metrics.sloOutcomes, outcomes));
  const count = (outcome: string) => {
    metrics.sloOutcomes.inc({ outcome, reason: '' });
  };

  const slo = async (ctx: AppContext, m: SloMessage) => {
    const target = await saml.directory.resolve(ctx.params.org ?? '', ctx.params.service ?? '');
    ctx.state.brand = brandOf(target.org);
    if ((m.request === undefined) === (m.response === undefined)) throw refuse('malformed_request', 'Send exactly one SAML message (a request or a response)');
    ctx.set('Cache-Control', 'no-store');
    if (m.response !== undefined) {
      const res = await acceptLogoutResponse({ binding: m.binding, rawParams: m.rawParams, message: m.response, relayState: m.relayState }, target, saml);
      await resumeLogout(deps, saml, ctx, target, res);
      count('logout_response');
      await outcomes(ctx, 'success', null);
      return;
    }
    const req = await acceptLogoutRequest({ binding: m.binding, rawParams: m.rawParams, message: m.request ?? '', relayState: m.relayState }, target, saml);
    const match = await matchLogoutSessions(db, ctx, target, req);
    const initiator = { target, requestId: req.id, relayState: m.relayState };
    // A verified SP asking for a principal or session it does not hold: a non-success answer, no effect.
    if (!match.known) {
      answerInitiator(ctx, initiator, 'unknown_principal');
      count('unknown_principal');
      await outcomes(ctx, 'refused', 'unknown_principal');
      return;
    }
    clearSessionCookie(ctx, target.org.id);
    // Already ended (a repeated logout): nothing left to end, and logging out is idempotent.
    if (!match.live.length) answerInitiator(ctx, initiator, 'success');
    else await startLogout(deps, saml, ctx, target, req, m.relayState, match.live);
    count('logout_request');
    await outcomes(ctx, 'success', null);
  };

  router.get('/slo', refusals, async (ctx) => {
    const rawParams = rawQueryParams(ctx.querystring);
    const raw = (name: string) => {
      const v = rawParams.get(name);
      return v === undefined ? undefined : decodeQueryComponent(v);
    };
    await slo(ctx, { binding: 'redirect', rawParams, request: raw('SAMLRequest'), response: raw('SAMLResponse'), relayState: raw('RelayState') });
  });

  router.post('/slo', formBody, refusals, async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, string | undefined>;
    await slo(ctx, { binding: 'post', rawParams: new Map(), request: body.SAMLRequest, response: body.SAMLResponse, relayState: body.RelayState });
  });

  return router;
}
