// Service analytics from the indexes: service_users(service_id, …), subscriptions(service_id, status),
// login_events(service_id, created_at, user_id) — the last one covers both 30-day figures.
import type { Db } from '../db/client.ts';

const WINDOW_MS = 30 * 86_400_000;

export async function serviceAnalytics(db: Db, serviceId: string, now = new Date()) {
  const since = new Date(now.getTime() - WINDOW_MS);
  const recent = { serviceId, createdAt: { gte: since } };
  const [totalUsers, totalSubs, activeSubs, logins, unique] = await Promise.all([
    db.serviceUser.count({ where: { serviceId } }),
    db.subscription.count({ where: { serviceId } }),
    db.subscription.count({ where: { serviceId, status: 'active' } }),
    db.loginEvent.count({ where: recent }),
    db.loginEvent.groupBy({ by: ['userId'], where: recent }).then((rows) => rows.length),
  ]);
  return { total_users: totalUsers, total_subscriptions: totalSubs, active_subscriptions: activeSubs, total_logins_30d: logins, unique_users_30d: unique };
}
