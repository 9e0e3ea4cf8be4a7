import { iso, parseStringArray } from '../http/present.ts';
import type { Service } from '../db/models.ts';

export function presentService(s: Service) {
  return {
    id: s.id,
    organization_id: s.organizationId,
    slug: s.slug,
    name: s.name,
    service_type: s.serviceType,
    client_id: s.clientId,
    redirect_uris: parseStringArray(s.redirectUris),
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
  };
}

export function providerGrants(s: Service) {
  const grants: { provider: string; scopes: string[] }[] = [];
  for (const [provider, text] of [
    ['github', s.githubScopes],
    ['google', s.googleScopes],
    ['microsoft', s.microsoftScopes],
  ] as const) {
    if (text !== null) grants.push({ provider, scopes: parseStringArray(text) });
  }
  return grants;
}
