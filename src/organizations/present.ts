import { iso } from '../http/present.ts';
import type { Organization } from '../db/models.ts';

type Org = Pick<Organization, 'id' | 'slug' | 'name' | 'createdAt' | 'updatedAt' | 'displayName' | 'logoUrl' | 'primaryColor' | 'supportUrl' | 'mfaPolicy'>;

export function presentOrganization(o: Org) {
  const branding = { display_name: o.displayName, logo_url: o.logoUrl, primary_color: o.primaryColor, support_url: o.supportUrl };
  return { id: o.id, slug: o.slug, name: o.name, ...branding, ...presentMfaPolicy(o), created_at: iso(o.createdAt), updated_at: iso(o.updatedAt) };
}

/** The organization's second-factor policy (CONTRACT §11). */
function presentMfaPolicy(o: { mfaPolicy: string }) {
  return { mfa_policy: o.mfaPolicy };
}

/** One of the caller's organizations, with the caller's role in it. */
export function presentOrganizationAs(o: Parameters<typeof presentOrganization>[0], role: string) {
  return { ...presentOrganization(o), role };
}

export function presentMember(m: { role: string; createdAt: Date; account: { id: string; email: string; name: string | null } }) {
  return { account_id: m.account.id, email: m.account.email, name: m.account.name, role: m.role, joined_at: iso(m.createdAt) };
}

export function presentInvitation(i: { id: string; email: string; role: string; expiresAt: Date; acceptedAt: Date | null; createdAt: Date }) {
  return {
    id: i.id,
    email: i.email,
    role: i.role,
    status: i.acceptedAt ? 'accepted' : i.expiresAt <= new Date() ? 'expired' : 'pending',
    expires_at: iso(i.expiresAt),
    accepted_at: i.acceptedAt ? iso(i.acceptedAt) : null,
    created_at: iso(i.createdAt),
  };
}
