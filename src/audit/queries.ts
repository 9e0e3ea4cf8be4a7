// The two lists, newest first (ties by id, which grows with time): an audit log is read from the top.
import type { Db } from '../db/client.ts';
import type { Page } from '../http/validate.ts';
import type { AuditFilterInput, SignInFilterInput } from './schemas.ts';

const window = (q: { since?: Date | undefined; until?: Date | undefined }) =>
  q.since || q.until ? { createdAt: { ...(q.since ? { gte: q.since } : {}), ...(q.until ? { lte: q.until } : {}) } } : {};
const newestFirst = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

export async function listAuditEvents(db: Db, organizationId: string, q: AuditFilterInput, page: Page) {
  const actor = q.actor === undefined ? {} : q.actor.includes('@') ? { actorEmail: q.actor.toLowerCase() } : { actorId: q.actor };
  const where = { organizationId, ...(q.action ? { action: q.action } : {}), ...actor, ...window(q) };
  const [events, total] = await Promise.all([
    db.auditEvent.findMany({ where, orderBy: newestFirst, take: page.limit, skip: page.offset }),
    db.auditEvent.count({ where }),
  ]);
  return { events, total };
}

/** The organization's services by id, to show each sign-in's service slug and to read `service=` as a slug or an id. */
async function servicesOf(db: Db, organizationId: string) {
  const rows = await db.service.findMany({ where: { organizationId }, select: { id: true, slug: true } });
  return new Map(rows.map((r) => [r.id, r.slug]));
}

export async function listSignIns(db: Db, organizationId: string, q: SignInFilterInput, page: Page) {
  const services = await servicesOf(db, organizationId);
  const bySlug = q.service === undefined || services.has(q.service) ? q.service : [...services].find(([, slug]) => slug === q.service)?.[0];
  // A service that is not (or no longer) the organization's still filters: to nothing, or to its old rows.
  const serviceId = q.service === undefined ? {} : { serviceId: bySlug ?? q.service };
  const where = {
    organizationId,
    ...serviceId,
    ...(q.user_id ? { userId: q.user_id } : {}),
    ...(q.outcome ? { outcome: q.outcome } : {}),
    ...(q.reason ? { reason: q.reason } : {}),
    ...(q.request_id ? { requestId: q.request_id } : {}),
    ...window(q),
  };
  const [rows, total] = await Promise.all([
    db.signIn.findMany({ where, orderBy: newestFirst, take: page.limit, skip: page.offset }),
    db.signIn.count({ where }),
  ]);
  return { rows, total, services };
}
