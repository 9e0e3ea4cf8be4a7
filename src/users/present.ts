import { iso, parseStringArray, parseStringRecord } from '../http/present.ts';
import type { User } from '../db/models.ts';

export function presentDirectoryUser(u: User) {
  return {
    id: u.id,
    email: u.email,
    disabled: u.disabled,
    has_password: u.passwordHash !== null,
    groups: parseStringArray(u.groups),
    attributes: parseStringRecord(u.attributes),
    created_at: iso(u.createdAt),
    updated_at: iso(u.updatedAt),
  };
}
