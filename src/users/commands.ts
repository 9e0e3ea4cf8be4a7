// The reads and writes behind /api/organizations/:org/users. Changes that touch more than the user
// row (ending sessions, forgetting login counters) run in one transaction with it.
import type { Db } from '../db/client.ts';
import type { User } from '../db/models.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { conflict } from '../http/errors.ts';
import type { Page } from '../http/validate.ts';
import { newId } from '../security/random.ts';
import { hashPassword } from '../security/passwords.ts';
import { forgetLogins } from '../service-api/logins.ts';
import type { CreateUserInput, UpdateUserInput } from './schemas.ts';
import { recordAudit, setsNothing, type Actor } from '../audit/index.ts';
import { enqueueEvent } from '../webhooks/index.ts';

const emailTaken = (err: unknown) => (isUniqueViolation(err) ? conflict('A user with this email already exists in the organization', 'email') : err);

/** A page of the organization's users; only the one with `email` (any case, outer spaces ignored) when given. */
export async function listUsers(db: Db, organizationId: string, page: Page, email: string | undefined) {
  const where = { organizationId, ...(typeof email === 'string' ? { email: email.trim().toLowerCase() } : {}) };
  const [users, total] = await Promise.all([
    db.user.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: page.limit, skip: page.offset }),
    db.user.count({ where }),
  ]);
  return { users, total };
}

export async function createUser(db: Db, actor: Actor, organizationId: string, input: CreateUserInput) {
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  try {
    return await db.$transaction(async (tx) => {
      const user = await tx.user.create({
        data: {
          id: newId('usr'),
          organizationId,
          email: input.email,
          passwordHash,
          ...(input.groups ? { groups: JSON.stringify(input.groups) } : {}),
          ...(input.attributes ? { attributes: JSON.stringify(input.attributes) } : {}),
        },
      });
      await recordAudit(tx, actor, 'user.created', organizationId, user.id, { email: user.email, password_set: passwordHash !== null });
      await enqueueEvent(tx, { organizationId, type: 'user.created', data: { user: { id: user.id, email: user.email } } });
      return user;
    });
  } catch (err) {
    throw emailTaken(err);
  }
}

export async function updateUser(db: Db, actor: Actor, user: User, input: UpdateUserInput) {
  if (setsNothing(input)) return user;
  try {
    return await db.$transaction(async (tx) => {
      const row = await tx.user.update({
        where: { id: user.id },
        // groups and attributes, when sent, replace the stored ones as a whole.
        data: {
          ...(input.email !== undefined ? { email: input.email } : {}),
          ...(input.disabled !== undefined ? { disabled: input.disabled } : {}),
          ...(input.groups !== undefined ? { groups: JSON.stringify(input.groups) } : {}),
          ...(input.attributes !== undefined ? { attributes: JSON.stringify(input.attributes) } : {}),
        },
      });
      // Disabling ends the user's IdP sessions at once.
      if (input.disabled === true) await tx.idpSession.updateMany({ where: { userId: user.id, endedAt: null }, data: { endedAt: new Date() } });
      await recordAudit(tx, actor, 'user.updated', user.organizationId, user.id, {
        email: input.email,
        disabled: input.disabled,
        groups: input.groups,
        attributes: input.attributes,
      });
      await enqueueEvent(tx, {
        organizationId: user.organizationId,
        type: 'user.updated',
        data: { user: { id: row.id, email: row.email, disabled: row.disabled } },
      });
      return row;
    });
  } catch (err) {
    throw emailTaken(err);
  }
}

export async function deleteUser(db: Db, actor: Actor, user: User): Promise<void> {
  await db.$transaction(async (tx) => {
    // The cascade would drop the login events but not the services' hourly counters.
    const links = await tx.serviceUser.findMany({ where: { userId: user.id }, select: { serviceId: true } });
    for (const l of links) await forgetLogins(tx, l.serviceId, user.id);
    await tx.user.delete({ where: { id: user.id } });
    await recordAudit(tx, actor, 'user.deleted', user.organizationId, user.id, { email: user.email });
    await enqueueEvent(tx, { organizationId: user.organizationId, type: 'user.deleted', data: { user: { id: user.id, email: user.email } } });
  });
}
