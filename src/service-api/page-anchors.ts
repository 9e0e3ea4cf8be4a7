// Page anchors: where recently read pages of a Service API list began and ended, so that the next read
// at or after them seeks there through the list's index instead of making the database walk past every
// skipped entry. An OFFSET is a walk: on PostgreSQL, 50 000 entries of the (service_id, created_at, id)
// index take 3–4 ms however the page is written (docs/benchmarks.md, Scale benchmark), and a backend
// syncing its users reads page after page, each one walking past all the pages before it.
//
// An anchor says "when the list's counter rows were at these versions, the row at offset N was the first
// row at or after (or: after) the key (created_at, id)". Lists are in (created_at, id) order, neither key
// column is ever changed, and every statement that changes which rows a list holds moves the version of
// the list's counter rows on and writes, beside each new version, how many rows it added or removed and
// the lowest and highest key among them (schema.prisma's ServiceListCount and ServiceListChange, both
// written by the counting triggers in the same statement). So an anchor is repaired, not dropped, by the
// changes made since it: a change wholly before its key moves it by the change's count, one wholly after
// it leaves it as it was, and one that spans it (or a version whose change was pruned) makes it unusable.
//
// The repair and the choice happen inside the page's own statement (pageRows below): it reads the
// changes since the anchor's versions, and one branch seeks from the anchor and walks only the rest if
// the anchor is usable and at or before the page, the other walks the whole offset otherwise; the
// database runs only the one whose condition holds. The answer is therefore always the page a plain
// OFFSET would give in the same snapshot; an anchor only changes how fast it comes. Anchors live in
// this process (one set per database client), a few per list for the lists read last.
//
// PostgreSQL only (anchorsFor). SQLite answers the Service API's pages on its direct connection with
// JSON it writes itself (users.ts), walking its index at a fraction of PostgreSQL's cost, and anchors
// would be wrong for it twice over: it does not skip a UNION ALL branch whose condition fails (it
// tests the condition on every row, so the branch reads the rest of the list), and Prisma's SQLite
// adapter can read another transaction's uncommitted rows on their shared connection, so an anchor
// could be made in a version that a rollback then gives to different rows.
import { LRUCache } from 'lru-cache';
import type { Database, Db } from '../db/client.ts';
import { empty, join, limitParam, sql, type Sql } from '../db/sql.ts';
import { count, date, runRead, text, type Row } from '../db/statements.ts';
import type { Page } from '../http/validate.ts';

/** The row key lists are ordered by. */
export interface RowKey {
  createdAt: Date;
  id: string;
}

/** The versions of a list's counter rows, by their status ("" for the users list). */
export type Versions = Record<string, number>;

interface Anchor extends RowKey {
  /** The offset of the first row at (inclusive) or after (not inclusive) the key, in `versions`. */
  offset: number;
  inclusive: boolean;
  versions: Versions;
}

/** The lists whose anchors are kept, and the anchors kept per list (the most recently made). */
const MAX_LISTS = 1000;
const MAX_ANCHORS = 32;

export class PageAnchors {
  private readonly lists = new LRUCache<string, Anchor[]>({ max: MAX_LISTS });
  /** How many pages were read from an anchor rather than walked to (the tests check that anchors are used). */
  seeks = 0;

  /**
   * The anchor closest at or before `offset` as it was made (never one at 0: nothing to skip there), if
   * it has versions to be checked against (a list read before it had counter rows has none).
   */
  near(list: string, offset: number): Anchor | null {
    let best: Anchor | null = null;
    for (const a of this.lists.get(list) ?? []) {
      if (a.offset > 0 && a.offset <= offset && (!best || a.offset > best.offset) && Object.keys(a.versions).length > 0) best = a;
    }
    return best;
  }

  /** Drops an anchor that turned out unusable. */
  forget(list: string, anchor: Anchor): void {
    const kept = this.lists.get(list);
    const at = kept?.indexOf(anchor) ?? -1;
    if (kept && at >= 0) kept.splice(at, 1);
  }

  /**
   * What a page read at `versions` showed: its first row is at `offset`, and the row after its last is
   * at `offset + keys.length`, if the page was full (else there may be none). An anchor made earlier at
   * either offset is replaced.
   */
  remember(list: string, versions: Versions, offset: number, limit: number, keys: RowKey[]): void {
    let kept = this.lists.get(list);
    if (!kept) {
      kept = [];
      this.lists.set(list, kept);
    }
    const first = keys[0];
    const last = keys[keys.length - 1];
    if (first) this.add(kept, { ...first, offset, inclusive: true, versions });
    if (last && keys.length === limit) this.add(kept, { ...last, offset: offset + keys.length, inclusive: false, versions });
  }

  private add(anchors: Anchor[], anchor: Anchor): void {
    const same = anchors.findIndex((a) => a.offset === anchor.offset);
    if (same >= 0) anchors.splice(same, 1);
    anchors.push(anchor);
    if (anchors.length > MAX_ANCHORS) anchors.shift();
  }
}

const anchorsByClient = new WeakMap<object, PageAnchors>();

/**
 * The anchors of one PostgreSQL database (keyed by its client: ids and versions mean nothing in another
 * database); none on SQLite (see above).
 */
export function anchorsFor(database: Pick<Database, 'prisma' | 'dialect'>): PageAnchors | null {
  if (database.dialect !== 'postgresql') return null;
  let anchors = anchorsByClient.get(database.prisma);
  if (!anchors) {
    anchors = new PageAnchors();
    anchorsByClient.set(database.prisma, anchors);
  }
  return anchors;
}

/**
 * How long the lists' changes are kept (ServiceListChange): an anchor older than this whose list
 * changed since is no longer usable, and its next read walks (and leaves fresh anchors).
 */
export const LIST_CHANGES_KEPT_MS = 3_600_000;

/**
 * Deletes the lists' changes older than `before` (the background pruner, src/audit/retention.ts); returns
 * how many went. One statement: nothing else writes these rows once they are made. Always empty on SQLite.
 */
export function pruneListChanges(db: Db, before: Date): Promise<number> {
  return db.$executeRaw(sql`DELETE FROM "service_list_changes" WHERE "changed_at" < ${before}`);
}

/** One list of one service, as pageRows reads it. */
export interface ListScope {
  /** The anchors' key for this list: which list, which service, which filter. */
  key: string;
  /** The table, and the columns of each page row (the key columns, created_at and id, among them). */
  table: Sql;
  columns: Sql;
  /** The list's rows: the condition on the table, e.g. its service and status. */
  where: Sql;
  /** The list's counter rows in service_list_counts. */
  counters: Sql;
}

/**
 * The rows of a list from `offset` on, at most `page.limit` of them, in list order: `columns` of the
 * list's table where its condition and `gate` hold. Every page statement is made of this walk, the
 * direct SQLite connection's JSON ones too (users.ts, subscriptions.ts).
 */
export function listSlice(scope: ListScope, page: Page, columns = scope.columns, gate = empty, offset: number | Sql = page.offset): Sql {
  return sql`SELECT ${columns} FROM ${scope.table} WHERE ${scope.where} ${gate}
    ORDER BY "created_at", "id" LIMIT ${limitParam(page.limit)} OFFSET ${limitParam(offset)}`;
}

/** The list's total: the sum of its counter rows, kept by the triggers. */
export function listTotal(scope: ListScope): Sql {
  return sql`(SELECT COALESCE(SUM("count"), 0) FROM "service_list_counts" WHERE ${scope.counters})`;
}

/**
 * The page and its total as the HTTP answer's JSON text, `{"<field>":[…],"total":N}`, written by SQLite
 * on its direct connection (users.ts, subscriptions.ts). `object` is one row's json_object over the
 * slice `p` and the tables `joins` adds. The rows are ordered inside a subquery and concatenated by
 * group_concat outside it, rather than by json_group_array(… ORDER BY …): the aggregate's ORDER BY
 * sorts the page again in a temporary B-tree (a third of the statement's time, 44 → 30 µs for 50
 * users), while the subquery's ORDER BY is the index order of the slice and costs nothing. SQLite never
 * flattens a subquery with ORDER BY into an aggregate query, so its rows reach group_concat in that
 * order; test/e2e/service-api-list-reads.test.ts holds the bytes to the Prisma path's, over several pages.
 */
export function sqlitePageJson(scope: ListScope, page: Page, field: 'users' | 'subscriptions', object: Sql, joins: Sql, sliceColumns = scope.columns): Sql {
  return sql`SELECT ${`{"${field}":[`} || COALESCE((SELECT group_concat("o", ',') FROM (
      SELECT ${object} AS "o" FROM (${listSlice(scope, page, sliceColumns)}) p ${joins} ORDER BY p."created_at", p."id"
    )), '') || '],"total":' || ${listTotal(scope)} || '}' AS "body"`;
}

/** The anchor's key, and which rows lie before it (inclusive anchor: < key; exclusive: <= key) and from it. */
function bounds(anchor: Anchor): { key: Sql; before: Sql; from: Sql } {
  const key = sql`(${anchor.createdAt}, ${anchor.id})`;
  return anchor.inclusive ? { key, before: sql`<`, from: sql`>=` } : { key, before: sql`<=`, from: sql`>` };
}

/**
 * The most changes since an anchor that a read reads to repair it; with more, it walks (the repair
 * would cost about as much, and the list changes faster than anchors help). Reading at most this many
 * is enough: with more, the count read falls short of the versions gone by, and the anchor is unusable.
 */
const MAX_CHANGES = 1000;

/**
 * Whether the anchor can still be used for the page, and its offset now, moved by the changes made
 * since it: one row (`at`, `usable`) from the list's changes since the anchor's versions (see the top
 * of this file). Usable when every version since is there with its change (a counter row the anchor
 * was not made with counts as missing changes, and so do changes past MAX_CHANGES), none of them spans
 * the anchor's key, and reading backwards from the moved anchor would not walk further than the plain
 * OFFSET does.
 */
function repair(scope: ListScope, anchor: Anchor, page: Page): Sql {
  const versions = Object.entries(anchor.versions);
  const since = join(
    versions.map(([status, v]) => sql`("status" = ${status} AND "version" > ${v})`),
    ' OR ',
  );
  // Summed in SQL: versions start from the clock (in microseconds), and a sum of several is past
  // what a JavaScript number holds exactly.
  const was = join(
    versions.map(([, v]) => sql`CAST(${v} AS BIGINT)`),
    ' + ',
  );
  const { key, before, from } = bounds(anchor);
  const at = sql`${anchor.offset} + COALESCE(SUM("delta") FILTER (WHERE "before"), 0)`;
  return sql`SELECT ${at} AS "at",
      COUNT(*) FILTER (WHERE NOT "before" AND NOT "after") = 0
        AND COUNT(*) = (SELECT COALESCE(SUM("version"), 0) FROM "service_list_counts" WHERE ${scope.counters}) - (${was})
        AND ${at} - ${page.offset + page.limit} <= ${page.offset} AS "usable"
    FROM (SELECT "delta", ("high_created_at", "high_id") ${before} ${key} AS "before", ("low_created_at", "low_id") ${from} ${key} AS "after"
      FROM "service_list_changes" WHERE ${scope.counters} AND (${since}) LIMIT ${limitParam(MAX_CHANGES)}) ch`;
}

/**
 * The page read from a usable anchor, whose offset is now `at` (repair's): the rows
 * from the anchor's key on, past those before the page, and, when the anchor moved past the page's start,
 * the rows just before its key, read backwards. Either part may be empty (a LIMIT of 0 reads nothing).
 */
function fromAnchor(scope: ListScope, page: Page, anchor: Anchor, at: Sql, gate: Sql): Sql[] {
  const { key, before, from } = bounds(anchor);
  const end = page.offset + page.limit;
  return [
    sql`SELECT ${scope.columns} FROM ${scope.table} WHERE ${scope.where} ${gate} AND ("created_at", "id") ${from} ${key}
      ORDER BY "created_at", "id" LIMIT ${limitParam(sql`GREATEST(LEAST(${page.limit}, ${end} - ${at}), 0)`)} OFFSET ${limitParam(sql`GREATEST(${page.offset} - ${at}, 0)`)}`,
    sql`SELECT ${scope.columns} FROM ${scope.table} WHERE ${scope.where} ${gate} AND ("created_at", "id") ${before} ${key}
      ORDER BY "created_at" DESC, "id" DESC LIMIT ${limitParam(sql`GREATEST(LEAST(${at} - ${page.offset}, ${page.limit}), 0)`)} OFFSET ${limitParam(sql`GREATEST(${at} - ${end}, 0)`)}`,
  ];
}

/**
 * readListPage's FROM: the page's rows (aliased `p`), in list order, beside the list's total and, with
 * anchors, its counter rows' versions (`c`); when the page is empty, one row of `c` and nulls
 * (readListPage drops rows without a key).
 */
function pageRows(scope: ListScope, page: Page, anchors: PageAnchors | null, near: Anchor | null): Sql {
  // Each part says whether it came from an anchor (`page_seek`), for PageAnchors.seeks.
  const part = (slice: Sql, seek: Sql) => sql`SELECT w.*, ${seek} AS "page_seek" FROM (${slice}) w`;
  let slice = part(listSlice(scope, page), sql`FALSE`);
  if (near) {
    const at = sql`(SELECT "at" FROM "r")`;
    const seeks = fromAnchor(scope, page, near, at, sql`AND (SELECT "usable" FROM "r")`).map((s) => part(s, sql`TRUE`));
    const walk = part(listSlice(scope, page, scope.columns, sql`AND NOT (SELECT "usable" FROM "r")`), sql`FALSE`);
    // The outer LIMIT changes no answer (one of the gated sides runs, and gives at most a page) but
    // tells the planner how many rows to expect: from the parts' computed limits it would guess a
    // tenth of the list and hash-join it with every row of the caller's joined table.
    slice = sql`WITH "r" AS (${repair(scope, near, page)}) SELECT * FROM (${join([...seeks, walk], ' UNION ALL ')}) s LIMIT ${limitParam(page.limit)}`;
  }
  // The versions only where anchors are kept: as JSON text, {"<status>": <version>, …}.
  const versions = anchors ? sql`, CAST(json_object_agg("status", "version") AS TEXT) AS "versions"` : empty;
  return sql`(SELECT COALESCE(SUM("count"), 0) AS "total" ${versions} FROM "service_list_counts" WHERE ${scope.counters}) c
    LEFT JOIN (${slice}) p ON TRUE`;
}

/** The counter rows' versions read with a page (pageRows), none when the list has no counter rows yet. */
function versionsOf(r: Row): Versions {
  if (r.versions === null || r.versions === undefined) return {};
  const parsed = JSON.parse(text(r, 'versions')) as Record<string, unknown>;
  const versions: Versions = {};
  for (const [status, v] of Object.entries(parsed)) if (typeof v === 'number') versions[status] = v;
  return versions;
}

/** The key of a page row, whose key columns the caller selects as `page_created_at` and `page_id`. */
function pageKey(r: Row): RowKey | null {
  return r.page_id === null ? null : { createdAt: date(r, 'page_created_at'), id: text(r, 'page_id') };
}

/**
 * One page of a list and its total, in one statement: `shown` are the columns the caller presents and
 * `joins` bring them onto the page rows `p` (LEFT JOINs: the total's row stays when the page is empty).
 * Runs on SQLite's direct connection when there is one, else through Prisma; on PostgreSQL the page's
 * keys are remembered as anchors, with the versions of the list's counter rows read with them.
 */
export async function readListPage(
  database: Pick<Database, 'prisma' | 'direct' | 'dialect'>,
  scope: ListScope,
  page: Page,
  shown: Sql,
  joins: Sql,
): Promise<{ total: number; rows: Row[] }> {
  const anchors = anchorsFor(database);
  const near = anchors?.near(scope.key, page.offset) ?? null;
  const rows = await runRead(
    database.prisma,
    database.direct,
    sql`SELECT c.*, p."created_at" AS "page_created_at", p."id" AS "page_id", p."page_seek", ${shown}
    FROM ${pageRows(scope, page, anchors, near)} ${joins}
    ORDER BY p."created_at", p."id"`,
  );
  const head = rows[0];
  if (!head) return { total: 0, rows: [] };
  const found: Row[] = [];
  const keys: RowKey[] = [];
  for (const r of rows) {
    const key = pageKey(r);
    if (!key) continue;
    found.push(r);
    keys.push(key);
  }
  if (anchors) {
    const seeked = rows.some((r) => r.page_seek === true);
    if (seeked) anchors.seeks++;
    // An anchor that could not be used (changes it could not be moved across or too many of them, or a
    // backward read longer than the walk) would be picked again for the offsets after it, and walk
    // again: it goes, and the walk's own anchors replace it.
    else if (near) anchors.forget(scope.key, near);
    anchors.remember(scope.key, versionsOf(head), page.offset, page.limit, keys);
  }
  return { total: count(head, 'total'), rows: found };
}
