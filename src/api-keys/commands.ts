// The reads and writes behind …/services/:service/api-keys. The raw key is returned once, by createApiKey.
import type { Deps } from '../deps.ts';
import type { Db } from '../db/client.ts';
import type { ApiKey } from '../db/models.ts';
import type { Page } from '../http/validate.ts';
import { newId } from '../security/random.ts';
import { generateApiKey } from '../security/api-key.ts';
import { presentApiKey } from './present.ts';
import type { CreateApiKeyInput } from './schemas.ts';
import { enqueueEvent } from '../webhooks/index.ts';

/** Creates a key for the service; shared by the HTTP route and the CLI. */
export async function createApiKey(db: Db, hash: (key: string) => string, serviceId: string, input: CreateApiKeyInput) {
  const environment = input.environment ?? 'live';
  const { key, prefix } = generateApiKey(environment);
  const row = await db.$transaction(async (tx) => {
    const created = await tx.apiKey.create({
      data: {
        id: newId('key'),
        serviceId,
        name: input.name,
        prefix,
        environment,
        keyHash: hash(key),
        permissions: JSON.stringify([...new Set(input.permissions)]),
        expiresAt: input.expires_in_days ? new Date(Date.now() + input.expires_in_days * 86_400_000) : null,
      },
      include: { service: { select: { organizationId: true } } },
    });
    await enqueueEvent(tx, {
      organizationId: created.service.organizationId,
      type: 'api_key.created',
      data: { api_key: presentApiKey(created), service_id: serviceId },
    });
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
export async function revokeApiKey(deps: Deps, key: ApiKey): Promise<void> {
  await deps.db.$transaction(async (tx) => {
    const gone = await tx.apiKey.delete({ where: { id: key.id }, include: { service: { select: { organizationId: true } } } });
    await enqueueEvent(tx, {
      organizationId: gone.service.organizationId,
      type: 'api_key.deleted',
      data: { api_key: presentApiKey(gone), service_id: gone.serviceId },
    });
  });
  await deps.apiKeys.revoke(key.keyHash);
}
