// The reads and writes behind …/services/:service/api-keys. The raw key is returned once, by createApiKey.
import type { Deps } from '../deps.ts';
import type { Db } from '../db/client.ts';
import type { ApiKey } from '../db/models.ts';
import type { Page } from '../http/validate.ts';
import { newId } from '../security/random.ts';
import { generateApiKey } from '../security/api-key.ts';
import { presentApiKey } from './present.ts';
import type { CreateApiKeyInput } from './schemas.ts';
import { recordAudit, type Actor } from '../audit/index.ts';
import { enqueueEvent } from '../webhooks/index.ts';

type Owner = { id: string; organizationId: string };

/** Creates a key for the service; shared by the HTTP route and the CLI. */
export async function createApiKey(db: Db, actor: Actor, hash: (key: string) => string, service: Owner, input: CreateApiKeyInput) {
  const environment = input.environment ?? 'live';
  const { key, prefix } = generateApiKey(environment);
  const data = {
    id: newId('key'),
    serviceId: service.id,
    name: input.name,
    prefix,
    environment,
    keyHash: hash(key),
    permissions: JSON.stringify([...new Set(input.permissions)]),
    expiresAt: input.expires_in_days ? new Date(Date.now() + input.expires_in_days * 86_400_000) : null,
  };
  const row = await db.$transaction(async (tx) => {
    const created = await tx.apiKey.create({ data });
    const shown = presentApiKey(created);
    await recordAudit(tx, actor, 'api_key.created', service.organizationId, created.id, { service_id: service.id, ...shown });
    await enqueueEvent(tx, { organizationId: service.organizationId, type: 'api_key.created', data: { api_key: shown, service_id: service.id } });
    return created;
  });
  const shown = presentApiKey(row);
  return {
    id: shown.id,
    key,
    prefix: shown.prefix,
    name: shown.name,
    permissions: shown.permissions,
    environment: shown.environment,
    expires_at: shown.expires_at,
    created_at: shown.created_at,
  };
}

export async function listApiKeys(db: Db, serviceId: string, page: Page) {
  const where = { serviceId };
  const [keys, total] = await Promise.all([
    db.apiKey.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: page.limit, skip: page.offset }),
    db.apiKey.count({ where }),
  ]);
  return { keys, total };
}

/** Deletes the key, then has every instance forget it (deps.apiKeys.revoke). */
export async function revokeApiKey(deps: Deps, actor: Actor, service: Owner, key: ApiKey): Promise<void> {
  await deps.db.$transaction(async (tx) => {
    const gone = await tx.apiKey.delete({ where: { id: key.id } });
    await recordAudit(tx, actor, 'api_key.deleted', service.organizationId, key.id, { service_id: service.id, name: key.name, prefix: key.prefix });
    await enqueueEvent(tx, { organizationId: service.organizationId, type: 'api_key.deleted', data: { api_key: presentApiKey(gone), service_id: service.id } });
  });
  await deps.apiKeys.revoke(key.keyHash);
}
