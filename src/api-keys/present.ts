import { iso, isoOrNull, parseStringArray } from '../http/present.ts';
import type { ApiKey } from '../db/models.ts';

/** A key's metadata; never the key, which exists only in the answer that created it. */
export function presentApiKey(k: ApiKey) {
  return {
    id: k.id,
    prefix: k.prefix,
    name: k.name,
    permissions: parseStringArray(k.permissions),
    environment: k.environment,
    expires_at: isoOrNull(k.expiresAt),
    last_used_at: isoOrNull(k.lastUsedAt),
    created_at: iso(k.createdAt),
  };
}
