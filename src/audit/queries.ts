// The two lists, newest first (ties by id, which grows with time): an audit log is read from the top.
import type { Db } from '../db/client.ts';
import type { Page } from '../http/validate.ts';
import type { AuditFilterInput, SignInFilterInput } from './schemas.ts';
import { countedTotal, rangeWhere, windowRange, type ListWindow } from './totals.ts';

/** The rows of the window (since and until included), in the same range the totals use (totals.ts). */
const window = (q: ListWindow) => {
  const createdAt = rangeWhere(windowRange(q));
  return createdAt ? { createdAt } : {};
};
const newestFirst = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

export async function listAuditEvents(db: Db, organizationId: string, q: AuditFilterInput, page: Page) {
  const actor = q.actor === undefined ? {} : q.actor.includes('@') ? { actorEmail: q.actor.toLowerCase() } : { actorId: q.actor };
  const where = { organizationId, ...(q.action ? { action: q.action } : {}), ...actor, ...window(q) };
  // The day counters are by action: an actor filter counts its rows (few, from its own index).
  const counted = { organizationId, ...(q.action ? { action: q.action } : {}) };
  const total = q.actor === undefined ? countedTotal(q, counted, db.auditEvent, db.auditEventCount) : db.auditEvent.count({ where });
  const [events, n] = await Promise.all([db.auditEvent.findMany({ where, orderBy: newestFirst, take: page.limit, skip: page.offset }), total]);
  return { events, total: n };
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
  const counted = { organizationId, ...serviceId, ...(q.outcome ? { outcome: q.outcome } : {}), ...(q.reason ? { reason: q.reason } : {}) };
  const where = { ...counted, ...(q.user_id ? { userId: q.user_id } : {}), ...(q.request_id ? { requestId: q.request_id } : {}), ...window(q) };
  // The day counters have no user or request id: those filters count their rows (few, from their own indexes).
  const total = q.user_id || q.request_id ? db.signIn.count({ where }) : countedTotal(q, counted, db.signIn, db.signInCount);
  const [rows, n] = await Promise.all([db.signIn.findMany({ where, orderBy: newestFirst, take: page.limit, skip: page.offset }), total]);
  return { rows, total: n, services };
}
