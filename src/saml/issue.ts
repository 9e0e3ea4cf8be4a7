// The last step of SSO for a signed-in user: link the user to the service, record the login, choose
// the NameID, gather attributes, sign the Response and hand the browser an auto-POST page to the
// verified ACS endpoint (never any other URL).
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
import { refuse } from './pipeline/reasons.ts';

/** The service's active signing key; 503 when it has none (never sign with anything else). */
export function signer(target: ResolvedService): Signer {
  const key = target.signingKey;
  if (!key) throw serviceUnavailable('SAML signing is unavailable for this service');
  return { key: key.key, certificatePem: key.certificatePem };
}

/** `name`: the user's `name` attribute, else given_name and family_name joined; absent when none is set. */
function displayName(attributes: Record<string, string>): string | undefined {
  if (attributes.name) return attributes.name;
  const joined = [attributes.given_name, attributes.family_name].filter((p) => p).join(' ');
  return joined || undefined;
}

function attributesFor(session: LiveSession, sub: SubscriptionFacts | undefined): AssertionSubject['attributes'] {
  const { user } = session;
  const name = displayName(user.attributes);
  return {
    ...Object.fromEntries(Object.entries(user.attributes).map(([k, v]) => [`attributes.${k}`, v])),
    id: user.id,
    email: user.email,
    created_at: user.createdAt.toISOString(),
    groups: user.groups,
    mfa: session.mfaAt ? 'true' : 'false',
    ...(name !== undefined ? { name } : {}),
    ...(sub ? { plan_id: sub.plan_id, plan_name: sub.plan_name, subscription_status: sub.status, features: parseStringArray(sub.features) } : {}),
  };
}

/**
 * The NameID for the emailAddress and unspecified formats (persistent: null, chosen when the sign-in is
 * recorded; transient: fresh). A name_id_source attribute the user lacks refuses the sign-in: sending
 * another value would let the SP match the wrong account.
 */
function chooseNameId(settings: ResolvedService['settings'], user: LiveSession['user']): string | null {
  const format = settings.nameIdFormat;
  if (format === NAME_ID_FORMATS.persistent) return null;
  if (format === NAME_ID_FORMATS.transient) return transientNameId();
  const source = settings.nameIdSource ?? (format === NAME_ID_FORMATS.unspecified ? 'id' : 'email');
  if (source === 'id') return user.id;
  if (source === 'email') return user.email;
  const value = user.attributes[source.slice('attributes.'.length)]?.trim();
  if (!value)
    throw refuse('name_id_unavailable', `This account has no ${source} value, which this service uses as the NameID`, {
      expected: source,
      user: { id: user.id, email: user.email },
    });
  return value;
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

/** Where a Response goes and what it answers: `acsUrl` is an endpoint checkAcs verified (or the default). */
/**
 * The reply to a pending request after sign-in: its ACS only while it is still registered (the
 * configuration may have changed meanwhile), the default one for an IdP-initiated sign-in; null when
 * there is none to answer to.
 */
export function replyToPending(pending: { acsUrl: string | null; requestId: string | null; relayState: string | null }, target: ResolvedService): Reply | null {
  const acsUrl = pending.acsUrl ?? target.settings.acsUrl;
  if (!acsUrl || !target.settings.acsEndpoints.some((e) => e.url === acsUrl)) return null;
  return { acsUrl, inResponseTo: pending.requestId ?? undefined, relayState: pending.relayState ?? undefined };
}

export interface Reply {
  acsUrl: string;
  inResponseTo: string | undefined;
  relayState: string | undefined;
}

/** `via` says how the sign-in came (its activity row); `level` is the class the session reached (authn-context.ts). */
export async function issueResponse(
  saml: SamlRuntime,
  ctx: AppContext,
  target: ResolvedService,
  session: LiveSession,
  reply: Reply,
  via: SignInVia,
  level: Level,
): Promise<void> {
  const { acsUrl, inResponseTo, relayState } = reply;
  const sign = signer(target);
  // Unguessable, and time-ordered so its unique index takes inserts at one edge (see sortableToken).
  const sessionIndex = `_${sortableToken()}`;
  const format = target.settings.nameIdFormat;
  const chosen = chooseNameId(target.settings, session.user);
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
    { idpEntityId: target.urls.entityId, settings: target.settings, inResponseTo, now: new Date(), acsUrl },
    {
      nameId: chosen ?? record.persistentNameId,
      nameIdFormat: format,
      sessionIndex,
      authnInstant: session.authnInstant,
      authnContextClassRef: classOf(level),
      attributes: attributesFor(session, record.subscription),
    },
    sign,
  );
  renderAutoPost(ctx, acsUrl, Buffer.from(xml, 'utf8').toString('base64'), relayState);
}

/** An error status (e.g. NoPassive) to the verified ACS: signed, and never with an Assertion. */
export function issueErrorResponse(ctx: AppContext, target: ResolvedService, status: string, message: string, reply: Reply): void {
  const sign = signer(target);
  const input = { idpEntityId: target.urls.entityId, settings: target.settings, inResponseTo: reply.inResponseTo, now: new Date(), acsUrl: reply.acsUrl };
  const xml = buildErrorResponse(input, status, message, sign);
  renderAutoPost(ctx, reply.acsUrl, Buffer.from(xml, 'utf8').toString('base64'), reply.relayState);
}
