// Every login is recorded three ways in one transaction: the event itself (the audit trail), the
// hourly counter of its service, and the user's last login for that service. Analytics reads the
// last two, so its cost does not grow with the number of events.
import type { Tx } from '../db/client.ts';
import { newId } from '../security/random.ts';

const HOUR_MS = 3_600_000;
export const floorHour = (d: Date): Date => new Date(Math.floor(d.getTime() / HOUR_MS) * HOUR_MS);
export const ceilHour = (d: Date): Date => new Date(Math.ceil(d.getTime() / HOUR_MS) * HOUR_MS);

export async function recordLogin(tx: Tx, serviceId: string, userId: string, at = new Date()): Promise<void> {
  await tx.loginEvent.create({ data: { id: newId('evt'), serviceId, userId, createdAt: at } });
  const hour = floorHour(at);
  await tx.loginCount.upsert({
    where: { serviceId_hour: { serviceId, hour } },
    create: { serviceId, hour, count: 1 },
    update: { count: { increment: 1 } },
  });
  await tx.serviceUser.updateMany({
    where: { serviceId, userId, OR: [{ lastLoginAt: null }, { lastLoginAt: { lt: at } }] },
    data: { lastLoginAt: at },
  });
}

/** Removes a user's login events for a service and takes them out of the hourly counters. */
export async function forgetLogins(tx: Tx, serviceId: string, userId: string): Promise<void> {
  const events = await tx.loginEvent.findMany({ where: { serviceId, userId }, select: { createdAt: true } });
  const perHour = new Map<number, number>();
  for (const e of events) {
    const h = floorHour(e.createdAt).getTime();
    perHour.set(h, (perHour.get(h) ?? 0) + 1);
  }
  for (const [h, n] of perHour) {
    await tx.loginCount.updateMany({ where: { serviceId, hour: new Date(h) }, data: { count: { decrement: n } } });
  }
  await tx.loginEvent.deleteMany({ where: { serviceId, userId } });
}
