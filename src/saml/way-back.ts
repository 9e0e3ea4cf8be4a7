// Where a person goes once a hosted flow has ended (password saved, request expired): the sign-in they came from when
// it can still be resumed, else the application's own site, else the organization's support page.
import type { Db } from '../db/client.ts';
import { hashToken, newId, newToken } from '../security/random.ts';
import { actionLink, type PageUi } from '../http/html.ts';
import { t } from '../i18n/index.ts';

export interface WayBack {
  href: string;
  kind: 'resume' | 'application' | 'support';
  /** The service's name, for "Return to …". */
  service?: string;
}

/**
 * The pending request itself was answered or has expired (10 minutes) by the time the link is used: a
 * still-live one is copied into a fresh request (its state token was never stored), so the person signs
 * in with the new password and lands in the application that asked. A dead one leaves the origin of the
 * service's registered ACS URL, which is the application's own site.
 */
export async function wayBack(db: Db, pendingRequestId: string | null, supportUrl: string | null): Promise<WayBack | null> {
  if (pendingRequestId) {
    const pending = await db.samlPendingRequest.findUnique({ where: { id: pendingRequestId }, include: { service: { include: { samlConfig: true } } } });
    if (pending && !pending.consumedAt && pending.expiresAt > new Date()) {
      // Every column of the request (ACS, RelayState, requested context…) comes along; it expires when the original does.
      const { id: _id, stateHash: _hash, createdAt: _created, consumedAt: _consumed, service: _service, ...request } = pending;
      // The original handle is spent in the same transaction: one AuthnRequest, one Response at most.
      const state = newToken(24);
      const moved = await db.$transaction(async (tx) => {
        const spent = await tx.samlPendingRequest.updateMany({ where: { id: pending.id, consumedAt: null }, data: { consumedAt: new Date() } });
        if (spent.count === 1) await tx.samlPendingRequest.create({ data: { ...request, id: newId('saml'), stateHash: hashToken(state) } });
        return spent.count === 1;
      });
      if (moved) return { href: `/login?state=${encodeURIComponent(state)}`, kind: 'resume' };
    }
    const site = pending ? applicationSite(pending.service) : null;
    if (site) return site;
  }
  return supportUrl ? { href: supportUrl, kind: 'support' } : null;
}

/**
 * For a sign-in request that can no longer be used (expired or already answered): its organization and
 * the application's site, so the "request expired" page is branded and leads back. Null for a state
 * that never existed.
 */
export async function staleRequest(db: Db, state: string) {
  if (!state || state.length > 128) return null;
  const row = await db.samlPendingRequest.findUnique({
    where: { stateHash: hashToken(state) },
    include: { service: { include: { organization: true, samlConfig: true } } },
  });
  if (!row) return null;
  return { organization: row.service.organization, back: applicationSite(row.service) };
}

/** The application's own site: the origin of the service's registered ACS URL. */
export function applicationSite(service: { name: string; samlConfig: { acsUrl: string | null } | null }): WayBack | null {
  const acs = service.samlConfig?.acsUrl;
  return acs && URL.canParse(acs) ? { href: `${new URL(acs).origin}/`, kind: 'application', service: service.name } : null;
}

/** The links of a dead end (a request expired or answered): back to the application when known, and to support. */
export function deadEndLinks(ui: PageUi, back: WayBack | null): string {
  const app = back ? actionLink(back.href, t(ui.locale, 'password.backToApp', { service: back.service ?? '' })) : '';
  const support = ui.brand.supportUrl ? actionLink(ui.brand.supportUrl, t(ui.locale, 'common.support')) : '';
  return app + support;
}
