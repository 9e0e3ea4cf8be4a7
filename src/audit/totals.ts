// The exact `total` of an activity list (CONTRACT §12) without counting every matching row: rows in
// the whole UTC days of the window are summed from the day counters (day-counts.ts), and only the rows
// of the partial days at its two edges are counted, from the (organization, …, created_at) indexes.
// On 1 M rows this turns a count of ~990 000 index entries (~200 ms) into a sum of a few hundred
// counters plus two bounded counts (docs/benchmarks.md). Only when the counters hold the filters: the
// caller counts rows itself for the others (user, actor, request id), which are selective anyway.

import { DAY_MS, ceilTo, floorTo } from '../time-buckets.ts';

/** A range of created_at: from `gte` included to `lt` excluded; a missing end is open. */
export interface Range {
  gte?: Date;
  lt?: Date;
}

/** The window of a list's query: since and until both included (created_at ≤ until). */
export interface ListWindow {
  since?: Date | undefined;
  until?: Date | undefined;
}

/** A Prisma range of created_at (rows) or of day (counters); undefined when open at both ends. */
type RangeWhere = Range | undefined;

/** The Prisma model of a list's rows, as far as counting them goes; `W` is the counted filters. */
export interface ListRows<W> {
  count(args: { where: W & { createdAt: RangeWhere } }): Promise<number>;
}

/** The Prisma model of a list's day counters, as far as summing them goes. */
export interface DayCounters<W> {
  aggregate(args: { _sum: { count: true }; where: W & { day: RangeWhere } }): Promise<{ _sum: { count: number | null } }>;
}

interface TotalSources {
  /** Counts the matching rows of the range. */
  rows(range: Range): Promise<number>;
  /** Sums the matching counters whose day starts inside the range (its ends are whole days). */
  days(range: Range): Promise<number>;
}

/** A list's window as a half-open range. */
export function windowRange(q: ListWindow): Range {
  // created_at has millisecond precision on both databases, so ≤ until is < until + 1 ms.
  return { ...(q.since ? { gte: q.since } : {}), ...(q.until ? { lt: new Date(q.until.getTime() + 1) } : {}) };
}

async function exactTotal(window: Range, from: TotalSources): Promise<number> {
  const first = window.gte && ceilTo(DAY_MS, window.gte);
  const end = window.lt && floorTo(DAY_MS, window.lt);
  // No whole day inside: the window is under two days, its rows are counted.
  if (first && end && first >= end) return from.rows(window);
  const parts = [from.days({ ...(first ? { gte: first } : {}), ...(end ? { lt: end } : {}) })];
  if (window.gte && first && window.gte < first) parts.push(from.rows({ gte: window.gte, lt: first }));
  if (window.lt && end && end < window.lt) parts.push(from.rows({ gte: end, lt: window.lt }));
  return (await Promise.all(parts)).reduce((a, b) => a + b, 0);
}

/** The Prisma `where` of a range. */
export const rangeWhere = (r: Range): RangeWhere => (r.gte || r.lt ? { ...r } : undefined);

/**
 * The exact total of a list's rows that match `counted` in the window of `q`. Only for filters that
 * the counters hold (their columns are in both models): a list filtered by anything else counts rows.
 */
export function countedTotal<W extends object>(q: ListWindow, counted: W, rows: ListRows<W>, days: DayCounters<W>): Promise<number> {
  return exactTotal(windowRange(q), {
    rows: (r) => rows.count({ where: { ...counted, createdAt: rangeWhere(r) } }),
    days: async (r) => (await days.aggregate({ _sum: { count: true }, where: { ...counted, day: rangeWhere(r) } }))._sum.count ?? 0,
  });
}
