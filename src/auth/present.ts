import { iso } from '../http/present.ts';

export function presentAccount(a: { id: string; email: string; name: string | null; createdAt: Date }) {
  return { id: a.id, email: a.email, name: a.name, created_at: iso(a.createdAt) };
}

type Membership = { role: string; organization: { id: string; slug: string; name: string } };

/** GET /api/auth/me: the account, every organization it belongs to with its role there, and its second factors. */
export function presentMe(a: Parameters<typeof presentAccount>[0] & { memberships: Membership[]; totp: { enabledAt: Date | null } | null }) {
  return {
    account: presentAccount(a),
    organizations: a.memberships.map((m) => ({ id: m.organization.id, slug: m.organization.slug, name: m.organization.name, role: m.role })),
    mfa: { totp: Boolean(a.totp?.enabledAt) },
  };
}
