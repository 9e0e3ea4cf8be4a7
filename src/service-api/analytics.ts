// Service analytics. The 30-day figures come from the hourly counters and each user's last login
// (src/service-api/logins.ts), not from counting a month of events: whole hours inside the window are
// summed from the counters, and only the partial first hour is counted event by event, so the figure
// is exact and its cost bounded (at most 720 counter rows and one hour of events).
import type { Db } from '../db/client.ts';
import { HOUR_MS, ceilTo } from '../time-buckets.ts';

const WINDOW_MS = 30 * 86_400_000;

export async function serviceAnalytics(db: Db, serviceId: string, now = new Date()) {
  const since = new Date(now.getTime() - WINDOW_MS);
  const wholeHoursFrom = ceilTo(HOUR_MS, since);
  const [totalUsers, totalSubs, activeSubs, hourly, edge, unique] = await Promise.all([
    db.serviceUser.count({ where: { serviceId } }),
    db.subscription.count({ where: { serviceId } }),
    db.subscription.count({ where: { serviceId, status: 'active' } }),
    db.loginCount.aggregate({ _sum: { count: true }, where: { serviceId, hour: { gte: wholeHoursFrom } } }),
    db.loginEvent.count({ where: { serviceId, createdAt: { gte: since, lt: wholeHoursFrom } } }),
    db.serviceUser.count({ where: { serviceId, lastLoginAt: { gte: since } } }),
  ]);
  return {
    total_users: totalUsers,
    total_subscriptions: totalSubs,
    active_subscriptions: activeSubs,
    total_logins_30d: (hourly._sum.count ?? 0) + edge,
    unique_users_30d: unique,
  };
}
