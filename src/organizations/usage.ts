import type { Deps } from '../deps.ts';
import type { Tx } from '../db/client.ts';

export function maxServicesFor(deps: Deps, org: { maxServices: number | null }): number {
  return org.maxServices ?? deps.config.maxServicesPerOrg;
}

export async function serviceUsage(deps: Deps, org: { id: string; maxServices: number | null }, tx?: Tx) {
  const current = await (tx ?? deps.db).service.count({ where: { organizationId: org.id } });
  return { current_services: current, max_services: maxServicesFor(deps, org) };
}
