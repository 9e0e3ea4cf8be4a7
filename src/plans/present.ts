import { iso, parseStringArray } from '../http/present.ts';
import type { Plan } from '../db/models.ts';

export function presentPlan(p: Plan) {
  return {
    id: p.id,
    service_id: p.serviceId,
    name: p.name,
    price_cents: Number(p.priceCents),
    currency: p.currency,
    features: parseStringArray(p.features),
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
  };
}
