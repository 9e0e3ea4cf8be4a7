import { iso } from '../http/present.ts';

export function presentAccount(a: { id: string; email: string; name: string | null; createdAt: Date }) {
  return { id: a.id, email: a.email, name: a.name, created_at: iso(a.createdAt) };
}

type Membership = { role: string; organization: { id: string; slug: string; name: string } };

/** GET /api/auth/me: the account and every organization it belongs to, with its role there. */
export function presentMe(a: Parameters<typeof presentAccount>[0] & { memberships: Membership[] }) {
  return {
    account: presentAccount(a),
    organizations: a.memberships.map((m) => ({ id: m.organization.id, slug: m.organization.slug, name: m.organization.name, role: m.role })),
  };
}
