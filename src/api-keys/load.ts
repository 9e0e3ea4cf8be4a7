import type { Db } from '../db/client.ts';
import type { ApiKey, Service } from '../db/models.ts';
import { notFound } from '../http/errors.ts';
import type { Step } from '../http/route.ts';
import { looksLikeId } from '../security/random.ts';

/** Route step yielding `key`: the key `:id` of the service an earlier step loaded; 404 when it has none such. */
export function keyInPath(db: Db): Step<{ key: ApiKey }, { service: Service }> {
  return async (ctx, { service }) => {
    const id = ctx.params.id ?? '';
    const key = looksLikeId(id, 'key') ? await db.apiKey.findFirst({ where: { id, serviceId: service.id } }) : null;
    if (!key) throw notFound('API key not found');
    return { key };
  };
}
