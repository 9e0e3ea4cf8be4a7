import { iso, parseStringArray, parseStringRecord } from '../http/present.ts';
import type { User } from '../db/models.ts';
import type { MfaSummary } from '../mfa/index.ts';

export function presentDirectoryUser(u: User, mfa: MfaSummary) {
  return {
    id: u.id,
    email: u.email,
    disabled: u.disabled,
    has_password: u.passwordHash !== null,
    mfa,
    groups: parseStringArray(u.groups),
    attributes: parseStringRecord(u.attributes),
    created_at: iso(u.createdAt),
    updated_at: iso(u.updatedAt),
  };
}
