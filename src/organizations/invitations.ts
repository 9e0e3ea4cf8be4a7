// Invitations (docs/api.md, Organizations): admins invite by email; the token is shown once and stored hashed.
import type { Db } from '../db/client.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { conflict, forbidden, notFound } from '../http/errors.ts';
import type { Page } from '../http/validate.ts';
import { hashToken, looksLikeId, newId, newToken } from '../security/random.ts';
import { mayInvite, type OrgAccess } from '../authz/roles.ts';
import type { CreateInvitationInput } from './schemas.ts';
import { recordAudit, type Actor } from '../audit/index.ts';
import type { Deps } from '../deps.ts';
import type { Organization } from '../db/models.ts';
import { brandOf } from '../http/brand.ts';
import type { Locale } from '../i18n/index.ts';
import { invitationMail } from '../mail/index.ts';

const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

/** The invitation and its token, which exists nowhere else (only its hash is stored). */
export async function invite(db: Db, actor: Actor, access: OrgAccess, input: CreateInvitationInput) {
  if (!mayInvite(access.role, input.role)) throw forbidden('Admins may invite only admins and members');
  const already = await db.membership.findFirst({ where: { organizationId: access.org.id, account: { email: input.email } } });
  if (already) throw conflict('This email already belongs to a member of the organization', 'email');
  const token = `inv_${newToken()}`;
  const invitation = await db.$transaction(async (tx) => {
    const row = await tx.invitation.create({
      data: {
        id: newId('inv'),
        organizationId: access.org.id,
        email: input.email,
        role: input.role,
        tokenHash: hashToken(token),
        invitedById: access.accountId,
        expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
      },
    });
    await recordAudit(tx, actor, 'invitation.created', access.org.id, row.id, { email: row.email, role: row.role, expires_at: row.expiresAt.toISOString() });
    return row;
  });
  return { invitation, token };
}

export async function listInvitations(db: Db, organizationId: string, page: Page) {
  const where = { organizationId };
  const [invitations, total] = await Promise.all([
    db.invitation.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: page.limit, skip: page.offset }),
    db.invitation.count({ where }),
  ]);
  return { invitations, total };
}

export async function revokeInvitation(db: Db, actor: Actor, organizationId: string, id: string): Promise<void> {
  if (!looksLikeId(id, 'inv')) throw notFound('Invitation not found');
  await db.$transaction(async (tx) => {
    // An accepted invitation is the record of how a member joined: revoking it would change nothing and
    // would drop that record, so it is a 409 (remove the member instead).
    const deleted = await tx.invitation.deleteMany({ where: { id, organizationId, acceptedAt: null } });
    if (deleted.count === 0) {
      if (await tx.invitation.count({ where: { id, organizationId } })) throw conflict('This invitation was already accepted; remove the member instead');
      throw notFound('Invitation not found');
    }
    await recordAudit(tx, actor, 'invitation.revoked', organizationId, id);
  });
}

/** Spends the invitation and adds the membership in one transaction; the organization joined and the role. */
export async function acceptInvitation(db: Db, actor: Actor, accountId: string, token: string) {
  const me = await db.account.findUnique({ where: { id: accountId } });
  const invitation = await db.invitation.findUnique({ where: { tokenHash: hashToken(token) }, include: { organization: true } });
  if (!me || !invitation || invitation.acceptedAt || invitation.expiresAt <= new Date()) throw notFound('Invitation not found or expired');
  if (invitation.email !== me.email) throw forbidden('This invitation was sent to another email address');
  try {
    await db.$transaction(async (tx) => {
      const spent = await tx.invitation.updateMany({ where: { id: invitation.id, acceptedAt: null }, data: { acceptedAt: new Date() } });
      if (spent.count !== 1) throw notFound('Invitation not found or expired');
      await tx.membership.create({ data: { id: newId('mem'), organizationId: invitation.organizationId, accountId: me.id, role: invitation.role } });
      const joined = { account_id: me.id, email: me.email, role: invitation.role };
      await recordAudit(tx, { ...actor, email: me.email }, 'invitation.accepted', invitation.organizationId, invitation.id, joined);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('You are already a member of this organization');
    throw err;
  }
  return { organization: invitation.organization, role: invitation.role };
}

/**
 * Mails the invitation: its code, and a link to the console with the code in the fragment (a fragment
 * never reaches a server log). True once the SMTP server accepted it.
 */
export async function mailInvitation(
  deps: Deps,
  org: Organization,
  invitation: { email: string; role: string; expiresAt: Date },
  token: string,
  locale: Locale,
) {
  const url = `${deps.config.publicUrl}/console#invitation=${encodeURIComponent(token)}`;
  const mail = invitationMail(locale, brandOf(org).name, { email: invitation.email, role: invitation.role, token, expiresAt: invitation.expiresAt }, url);
  return deps.mailer.send({ to: invitation.email, ...mail });
}
