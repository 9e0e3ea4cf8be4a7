// …/services/:service/api-keys (docs/api.md, API keys). The raw key is returned once, in the 201.
import Router from '@koa/router';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { notFound } from '../http/errors.ts';
import { Name, pageFrom, validate } from '../http/validate.ts';
import { iso, isoOrNull, parseStringArray } from '../http/present.ts';
import { looksLikeId, newId } from '../security/random.ts';
import { generateApiKey } from '../security/api-key.ts';
import { accountId } from '../auth/middleware.ts';
import { requireService } from '../services/load.ts';
import { PERMISSIONS } from './permissions.ts';
import type { ApiKey } from '../db/models.ts';
import type { Db } from '../db/client.ts';

export const CreateApiKey = z.strictObject({
  name: Name,
  permissions: z.array(z.enum(PERMISSIONS, { message: `Unknown permission; allowed: ${PERMISSIONS.join(', ')}` })).min(1, 'At least one permission is required').max(PERMISSIONS.length),
  expires_in_days: z.number().int().min(1).max(3650).optional(),
  environment: z.enum(['live', 'test']).optional(),
});
export type CreateApiKeyInput = z.output<typeof CreateApiKey>;

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

/** Creates a key for the service; shared by the HTTP route and the CLI. */
export async function createApiKey(db: Db, hash: (key: string) => string, serviceId: string, input: CreateApiKeyInput) {
  const environment = input.environment ?? 'live';
  const { key, prefix } = generateApiKey(environment);
  const row = await db.apiKey.create({
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
  });
  const shown = presentApiKey(row);
  return { id: shown.id, key, prefix: shown.prefix, name: shown.name, permissions: shown.permissions, environment: shown.environment, expires_at: shown.expires_at, created_at: shown.created_at };
}

export function apiKeyRoutes(deps: Deps): Router<AppState, AppContext> {
  const { db } = deps;
  const router = new Router<AppState, AppContext>({ prefix: '/api/organizations/:org/services/:service/api-keys' });
  const load = (ctx: AppContext, role: 'member' | 'admin') => requireService(db, accountId(ctx), ctx.params.org ?? '', ctx.params.service ?? '', role);
  const findKey = async (serviceId: string, id: string) => {
    const key = looksLikeId(id, 'key') ? await db.apiKey.findFirst({ where: { id, serviceId } }) : null;
    if (!key) throw notFound('API key not found');
    return key;
  };

  router.post('/', async (ctx) => {
    const { service } = await load(ctx, 'admin');
    const body = validate(CreateApiKey, ctx.request.body);
    ctx.status = 201;
    ctx.body = await createApiKey(db, deps.apiKeys.hash, service.id, body);
  });

  router.get('/', async (ctx) => {
    const { service } = await load(ctx, 'member');
    const page = pageFrom(ctx.query);
    const where = { serviceId: service.id };
    const [rows, total] = await Promise.all([
      db.apiKey.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: page.limit, skip: page.offset }),
      db.apiKey.count({ where }),
    ]);
    ctx.body = { api_keys: rows.map(presentApiKey), total };
  });

  router.get('/:id', async (ctx) => {
    const { service } = await load(ctx, 'member');
    ctx.body = presentApiKey(await findKey(service.id, ctx.params.id ?? ''));
  });

  router.delete('/:id', async (ctx) => {
    const { service } = await load(ctx, 'admin');
    const key = await findKey(service.id, ctx.params.id ?? '');
    await db.apiKey.delete({ where: { id: key.id } });
    await deps.apiKeys.revoke(key.keyHash);
    ctx.status = 204;
  });

  return router;
}
