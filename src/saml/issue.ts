// The last step of SSO for a signed-in user: link the user to the service, record the login, choose
// the NameID, gather attributes, sign the Response and hand the browser an auto-POST page to the
// verified ACS endpoint (never any other URL).
import type { AppContext } from '../http/context.ts';
import { serviceUnavailable } from '../http/errors.ts';
import { escapeHtml, page, sendPage } from '../http/html.ts';
import { sortableToken } from '../security/random.ts';
import type { SubscriptionFacts } from './sign-in-record.ts';
import type { SamlRuntime } from './runtime.ts';
import { parseStringArray } from '../http/present.ts';
import { NAME_ID_FORMATS } from './settings.ts';
import { buildErrorResponse, buildSuccessResponse, transientNameId, type AssertionSubject, type Signer } from './response.ts';
import type { ResolvedService } from './pipeline/types.ts';
import type { LiveSession } from './session.ts';

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
  renderAutoPostForm(ctx, { url: acsUrl, field: 'SAMLResponse', value: samlResponse, relayState, title: 'Signing you in' });
}

/** The HTTP-POST binding: an auto-submitting form (nonce'd script, no-store) to a verified URL only. */
export function renderAutoPostForm(
  ctx: AppContext,
  form: { url: string; field: 'SAMLRequest' | 'SAMLResponse'; value: string; relayState: string | undefined; title: string },
): void {
  const p = page({
    title: form.title,
    body:
      `<h1>${escapeHtml(form.title)}…</h1><form method="post" action="${escapeHtml(form.url)}">` +
      `<input type="hidden" name="${form.field}" value="${escapeHtml(form.value)}">` +
      (form.relayState !== undefined ? `<input type="hidden" name="RelayState" value="${escapeHtml(form.relayState)}">` : '') +
      '<noscript><p>JavaScript is off: press the button to continue.</p></noscript><button type="submit">Continue</button></form>',
    script: 'document.forms[0].submit();',
  });
  sendPage(ctx, 200, p);
  ctx.set('Pragma', 'no-cache');
}

/** Where a Response goes and what it answers: `acsUrl` is an endpoint checkAcs verified (or the default). */
export interface Reply {
  acsUrl: string;
  inResponseTo: string | undefined;
  relayState: string | undefined;
}

export async function issueResponse(saml: SamlRuntime, ctx: AppContext, target: ResolvedService, session: LiveSession, reply: Reply): Promise<void> {
  const { acsUrl, inResponseTo, relayState } = reply;
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
  });
  const xml = await buildSuccessResponse(
    { idpEntityId: target.urls.entityId, settings: target.settings, inResponseTo, now: new Date(), acsUrl },
    {
      nameId: chosen ?? record.persistentNameId,
      nameIdFormat: format,
      sessionIndex,
      authnInstant: session.authnInstant,
      attributes: attributesFor(session.user, record.subscription),
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
