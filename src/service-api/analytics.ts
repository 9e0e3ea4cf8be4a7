// Service analytics from the indexes: service_users(service_id, …), subscriptions(service_id, status),
// login_events(service_id, created_at, user_id) — the last one covers both 30-day figures.
import type { Db } from '../db/client.ts';

const WINDOW_MS = 30 * 86_400_000;

/**
 * Distinct users over the window in the database itself (Prisma's groupBy would bring every user id
 * back to the process). A tagged template: the values are bound parameters, never spliced into SQL.
 */
async function uniqueUsers(db: Db, serviceId: string, since: Date): Promise<number> {
  const rows = await db.$queryRaw<{ n: bigint | number }[]>`SELECT COUNT(DISTINCT user_id) AS n FROM login_events WHERE service_id = ${serviceId} AND created_at >= ${since}`;
  return Number(rows[0]?.n ?? 0);
}

export async function serviceAnalytics(db: Db, serviceId: string, now = new Date()) {
  const since = new Date(now.getTime() - WINDOW_MS);
  const recent = { serviceId, createdAt: { gte: since } };
  const [totalUsers, totalSubs, activeSubs, logins, unique] = await Promise.all([
    db.serviceUser.count({ where: { serviceId } }),
    db.subscription.count({ where: { serviceId } }),
    db.subscription.count({ where: { serviceId, status: 'active' } }),
    db.loginEvent.count({ where: recent }),
    uniqueUsers(db, serviceId, since),
  ]);
  return { total_users: totalUsers, total_subscriptions: totalSubs, active_subscriptions: activeSubs, total_logins_30d: logins, unique_users_30d: unique };
}
