import type { Db } from '../db/client.ts';
import type { Plan, Service } from '../db/models.ts';
import { notFound } from '../http/errors.ts';
import type { Step } from '../http/route.ts';
import { looksLikeId } from '../security/random.ts';

/** Route step yielding `plan`: the plan `:planId` of the service an earlier step loaded; 404 when it has none such. */
export function planInPath(db: Db): Step<{ plan: Plan }, { service: Service }> {
  return async (ctx, { service }) => {
    const id = ctx.params.planId ?? '';
    const plan = looksLikeId(id, 'plan') ? await db.plan.findFirst({ where: { id, serviceId: service.id } }) : null;
    if (!plan) throw notFound('Plan not found');
    return { plan };
  };
}
