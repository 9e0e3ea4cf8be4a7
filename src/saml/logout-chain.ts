// Front-channel Single Logout across the organization's services, one after another. The state lives
// in the database (any instance can take the next step): after the IdP session has ended, each other
// participant gets a signed LogoutRequest by auto-POST to its registered SLO URL; its LogoutResponse
// comes back to its own /slo and moves the chain on; the SP that asked gets its LogoutResponse last.
// Only registered SLO URLs of services whose message was verified ever receive anything.
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { AppContext } from '../http/context.ts';
import { refuse } from './pipeline/reasons.ts';
import { escapeHtml, page, sendPage, uiFor } from '../http/html.ts';
import { t as tr, type MessageKey } from '../i18n/index.ts';
import { newId } from '../security/random.ts';
import { buildLogoutRequest, buildLogoutResponse, type LogoutOutcome } from './logout-messages.ts';
import { renderAutoPostForm, signer } from './issue.ts';
import { endSessions, participantsOf, type Participant } from './logout-session.ts';
import type { SamlRuntime } from './runtime.ts';
import type { LogoutRequestData, LogoutResponseData, ResolvedService } from './pipeline/types.ts';

const CHAIN_TTL_MS = 10 * 60_000;
const SIGNING_OUT = 'out' as const;
const Participants = z.array(z.object({ serviceId: z.string(), nameId: z.string(), sessionIndexes: z.array(z.string()) }));

interface Initiator {
  target: ResolvedService | null;
  requestId: string;
  relayState: string | undefined;
}

const base64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');

function signedOutPage(ctx: AppContext): void {
  const ui = uiFor(ctx, ctx.state.brand);
  const say = (key: MessageKey) => escapeHtml(tr(ui.locale, key));
  sendPage(
    ctx,
    200,
    page({ title: tr(ui.locale, 'common.signedOutTitle'), body: `<h1>${say('common.signedOut')}</h1><p>${say('common.signedOutBody')}</p>`, ui }),
  );
}

/**
 * The LogoutResponse to the SP that asked, at its registered slo_url. Without one (or when its SAML
 * was disabled meanwhile) a success ends on a local page and a failure is a local 400.
 */
export function answerInitiator(ctx: AppContext, who: Initiator, outcome: LogoutOutcome): void {
  const sloUrl = who.target?.settings.sloUrl;
  if (!who.target || !sloUrl) {
    if (outcome === 'unknown_principal') throw refuse('unknown_principal', 'No session matches this LogoutRequest');
    signedOutPage(ctx);
    return;
  }
  const xml = buildLogoutResponse(
    { idpEntityId: who.target.urls.entityId, destination: sloUrl, inResponseTo: who.requestId, outcome, now: new Date() },
    signer(who.target),
  );
  renderAutoPostForm(ctx, { url: sloUrl, field: 'SAMLResponse', value: base64(xml), relayState: who.relayState, title: SIGNING_OUT });
}

/**
 * Ends the sessions and, when other participants must be told, stores the chain and sends the first
 * LogoutRequest; otherwise answers the initiator at once.
 */
export async function startLogout(
  deps: Deps,
  saml: SamlRuntime,
  ctx: AppContext,
  target: ResolvedService,
  req: LogoutRequestData,
  relayState: string | undefined,
  sessionIds: string[],
): Promise<void> {
  const { db } = deps;
  const chainId = await db.$transaction(async (tx) => {
    if (!(await endSessions(tx, sessionIds))) return null;
    const participants = await participantsOf(tx, sessionIds, target);
    if (!participants.length) return null;
    const row = await tx.samlLogoutChain.create({
      data: {
        id: newId('saml'),
        serviceId: target.service.id,
        requestId: req.id,
        relayState: relayState ?? null,
        remaining: JSON.stringify(participants),
        expiresAt: new Date(Date.now() + CHAIN_TTL_MS),
      },
    });
    return row.id;
  });
  if (chainId === null) {
    answerInitiator(ctx, { target, requestId: req.id, relayState }, 'success');
    return;
  }
  void db.samlLogoutChain.deleteMany({ where: { expiresAt: { lt: new Date() } } }).catch(() => undefined);
  await continueLogout(deps, saml, ctx, chainId);
}

/** A participant's LogoutResponse: single use, only for the request this service was sent. */
export async function resumeLogout(deps: Deps, saml: SamlRuntime, ctx: AppContext, target: ResolvedService, res: LogoutResponseData): Promise<void> {
  const { db } = deps;
  const chain = await db.samlLogoutChain.findUnique({ where: { awaitingRequestId: res.inResponseTo } });
  if (!chain || chain.awaitingServiceId !== target.service.id || chain.completedAt || chain.expiresAt <= new Date()) {
    throw refuse('unexpected_logout_response', 'No logout is waiting for this LogoutResponse', { received: res.inResponseTo });
  }
  const claimed = await db.samlLogoutChain.updateMany({
    where: { id: chain.id, awaitingRequestId: res.inResponseTo, completedAt: null },
    data: { awaitingRequestId: null, awaitingServiceId: null, ...(res.success ? {} : { partial: true }) },
  });
  if (claimed.count !== 1) throw refuse('unexpected_logout_response', 'No logout is waiting for this LogoutResponse', { received: res.inResponseTo });
  await continueLogout(deps, saml, ctx, chain.id);
}

/** Sends the next reachable participant its LogoutRequest, or finishes with the initiator's answer. */
async function continueLogout(deps: Deps, saml: SamlRuntime, ctx: AppContext, chainId: string): Promise<void> {
  const { db } = deps;
  const chain = await db.samlLogoutChain.findUnique({ where: { id: chainId } });
  if (!chain || chain.completedAt) throw refuse('unexpected_logout_response', 'This logout has already finished');
  const remaining: Participant[] = Participants.parse(JSON.parse(chain.remaining));
  let partial = chain.partial;
  for (let next = remaining.shift(); next; next = remaining.shift()) {
    const t = await saml.directory.byId(next.serviceId);
    const key = t?.settings.sloUrl ? t.signingKey : null;
    if (!t?.settings.sloUrl || !key) {
      partial = true; // its SAML, SLO URL or signing key went away since it signed in
      continue;
    }
    const msg = buildLogoutRequest(
      {
        idpEntityId: t.urls.entityId,
        spEntityId: t.settings.entityId,
        destination: t.settings.sloUrl,
        nameId: next.nameId,
        nameIdFormat: t.settings.nameIdFormat,
        sessionIndexes: next.sessionIndexes,
        now: new Date(),
      },
      key,
    );
    await db.samlLogoutChain.update({
      where: { id: chainId },
      data: { remaining: JSON.stringify(remaining), awaitingServiceId: t.service.id, awaitingRequestId: msg.id, partial },
    });
    renderAutoPostForm(ctx, { url: t.settings.sloUrl, field: 'SAMLRequest', value: base64(msg.xml), relayState: undefined, title: SIGNING_OUT });
    return;
  }
  await db.samlLogoutChain.update({ where: { id: chainId }, data: { remaining: '[]', partial, completedAt: new Date() } });
  const initiator = await saml.directory.byId(chain.serviceId);
  answerInitiator(ctx, { target: initiator, requestId: chain.requestId, relayState: chain.relayState ?? undefined }, partial ? 'partial' : 'success');
}
