// The time buckets of the counters: sign-ins and audit events per UTC day (audit/day-counts.ts), logins
// per hour (service-api/logins.ts). Epoch milliseconds count no leap seconds, so every multiple of a
// unit is the start of a UTC hour or day.
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The start of the bucket of `unit` milliseconds that holds `d`. */
export const floorTo = (unit: number, d: Date): Date => new Date(Math.floor(d.getTime() / unit) * unit);

/** The first bucket start at or after `d`. */
export const ceilTo = (unit: number, d: Date): Date => new Date(Math.ceil(d.getTime() / unit) * unit);
