// The last step of SSO for a signed-in user: link the user to the service, record the login, choose
// the NameID, gather attributes, sign the Response and hand the browser an auto-POST page to the
// registered ACS (never any other URL).
import type { AppContext } from '../http/context.ts';
import { serviceUnavailable } from '../http/errors.ts';
import { escapeHtml, page, sendPage, uiFor } from '../http/html.ts';
import { t } from '../i18n/index.ts';
import { sortableToken } from '../security/random.ts';
import type { SubscriptionFacts } from './sign-in-record.ts';
import type { SamlRuntime } from './runtime.ts';
import { parseStringArray } from '../http/present.ts';
import { NAME_ID_FORMATS } from './settings.ts';
import { buildErrorResponse, buildSuccessResponse, transientNameId, type AssertionSubject, type Signer } from './response.ts';
import type { ResolvedService } from './pipeline/types.ts';
import type { LiveSession } from './session.ts';
import { requestFacts, type SignInActivity } from '../audit/sign-ins.ts';

/** How the sign-in came (for its activity row): the flow, and the binding of the request when there was one. */
export type SignInVia = Pick<SignInActivity, 'flow' | 'binding'>;
import { classOf, type Level } from './authn-context.ts';

/** The service's active signing key; 503 when it has none (never sign with anything else). */
export function signer(target: ResolvedService): Signer {
  const key = target.signingKey;
  if (!key) throw serviceUnavailable('SAML signing is unavailable for this service');
  return { key: key.key, certificatePem: key.certificatePem };
}

function attributesFor(user: LiveSession['user'], sub: SubscriptionFacts | undefined): AssertionSubject['attributes'] {
  return {
    id: user.id,
    email: user.email,
    created_at: user.createdAt.toISOString(),
    ...(sub ? { plan_id: sub.plan_id, plan_name: sub.plan_name, subscription_status: sub.status, features: parseStringArray(sub.features) } : {}),
  };
}

export function renderAutoPost(ctx: AppContext, acsUrl: string, samlResponse: string, relayState: string | undefined): void {
  renderAutoPostForm(ctx, { url: acsUrl, field: 'SAMLResponse', value: samlResponse, relayState, title: 'in' });
}

/** The HTTP-POST binding: an auto-submitting form (nonce'd script, no-store) to a verified URL only. */
export function renderAutoPostForm(
  ctx: AppContext,
  form: { url: string; field: 'SAMLRequest' | 'SAMLResponse'; value: string; relayState: string | undefined; title: 'in' | 'out' },
): void {
  const ui = uiFor(ctx, ctx.state.brand);
  const title = t(ui.locale, form.title === 'in' ? 'common.signingIn' : 'common.signingOut');
  const p = page({
    title,
    ui,
    body:
      `<h1>${escapeHtml(title)}</h1><form method="post" action="${escapeHtml(form.url)}">` +
      `<input type="hidden" name="${form.field}" value="${escapeHtml(form.value)}">` +
      (form.relayState !== undefined ? `<input type="hidden" name="RelayState" value="${escapeHtml(form.relayState)}">` : '') +
      `<noscript><p>${escapeHtml(t(ui.locale, 'common.noscript'))}</p></noscript><button type="submit">${escapeHtml(t(ui.locale, 'common.continue'))}</button></form>`,
    script: 'document.forms[0].submit();',
  });
  sendPage(ctx, 200, p);
  ctx.set('Pragma', 'no-cache');
}

export async function issueResponse(
  saml: SamlRuntime,
  ctx: AppContext,
  target: ResolvedService,
  session: LiveSession,
  inResponseTo: string | undefined,
  relayState: string | undefined,
  via: SignInVia,
  level: Level,
): Promise<void> {
  const sign = signer(target);
  // Unguessable, and time-ordered so its unique index takes inserts at one edge (see sortableToken).
  const sessionIndex = `_${sortableToken()}`;
  const format = target.settings.nameIdFormat;
  const chosen =
    format === NAME_ID_FORMATS.persistent
      ? null
      : format === NAME_ID_FORMATS.transient
        ? transientNameId()
        : format === NAME_ID_FORMATS.unspecified
          ? session.user.id
          : session.user.email;
  // One commit: link (first login), login records, and the session's record of this service (for SLO).
  const record = await saml.signIns.record({
    serviceId: target.service.id,
    userId: session.user.id,
    sessionId: session.id,
    sessionIndex,
    nameId: chosen,
    at: new Date(),
    activity: {
      ...requestFacts(ctx),
      ...via,
      organizationId: target.org.id,
      outcome: 'success',
      reason: null,
      userId: session.user.id,
      email: session.user.email,
      serviceId: target.service.id,
      authnContext: classOf(level),
    },
    organizationId: target.org.id,
    serviceSlug: target.service.slug,
    email: session.user.email,
  });
  const xml = buildSuccessResponse(
    { idpEntityId: target.urls.entityId, settings: target.settings, inResponseTo, now: new Date() },
    {
      nameId: chosen ?? record.persistentNameId,
      nameIdFormat: format,
      sessionIndex,
      authnInstant: session.authnInstant,
      authnContextClassRef: classOf(level),
      attributes: attributesFor(session.user, record.subscription),
    },
    sign,
  );
  renderAutoPost(ctx, target.settings.acsUrl, Buffer.from(xml, 'utf8').toString('base64'), relayState);
}

/** An error status (e.g. NoPassive) to the verified ACS: signed, and never with an Assertion. */
export function issueErrorResponse(
  ctx: AppContext,
  target: ResolvedService,
  status: string,
  message: string,
  inResponseTo: string | undefined,
  relayState: string | undefined,
): void {
  const sign = signer(target);
  const xml = buildErrorResponse({ idpEntityId: target.urls.entityId, settings: target.settings, inResponseTo, now: new Date() }, status, message, sign);
  renderAutoPost(ctx, target.settings.acsUrl, Buffer.from(xml, 'utf8').toString('base64'), relayState);
}
