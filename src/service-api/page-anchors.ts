// Page anchors: where recently read pages of a Service API list began and ended, so that the next read
// at or after them seeks there through the list's index instead of making the database walk past every
// skipped entry. An OFFSET is a walk: on PostgreSQL, 50 000 entries of the (service_id, created_at, id)
// index take 3–4 ms however the page is written (docs/benchmarks.md, Scale benchmark), and a backend
// syncing its users reads page after page, each one walking past all the pages before it.
//
// An anchor says "in version V of this list, the row at offset N is the first row at or after (or:
// after) the key (created_at, id)". Lists are in (created_at, id) order, and every change to which rows
// a list holds moves its version on, in the same statement (the counting triggers, schema.prisma's
// ServiceListCount); neither key column is ever changed. So while the version read with a page is the
// one its anchor was made in, the anchor is exact, and the read seeks from it and walks only the rest.
//
// The version is checked inside the page's own statement (pageRows below): one branch seeks from the
// anchor if the version still matches, the other walks the whole offset if it does not, and the
// database runs only the one whose condition holds. The answer is therefore always the page a plain
// OFFSET would give in the same snapshot; an anchor only changes how fast it comes. Anchors live in
// this process (one set per database client), a few per list for the lists read last.
//
// PostgreSQL only (anchorsFor). SQLite answers the Service API's pages on its direct connection with
// JSON it writes itself (users.ts), walking its index at a fraction of PostgreSQL's cost, and anchors
// would be wrong for it twice over: it does not skip a UNION ALL branch whose version condition fails
// (it tests the condition on every row, so the branch reads the rest of the list), and Prisma's SQLite
// adapter can read another transaction's uncommitted rows on their shared connection, so an anchor
// could be made in a version that a rollback then gives to different rows.
import { LRUCache } from 'lru-cache';
import type { Database } from '../db/client.ts';
import { empty, limitParam, sql, type Sql } from '../db/sql.ts';
import { count, date, runRead, text, type Row } from '../db/statements.ts';
import type { Page } from '../http/validate.ts';

/** The row key lists are ordered by. */
export interface RowKey {
  createdAt: Date;
  id: string;
}

interface Anchor extends RowKey {
  /** The offset of the first row at (inclusive) or after (not inclusive) the key. */
  offset: number;
  inclusive: boolean;
}

/** The lists whose anchors are kept, and the anchors kept per list (the most recently made). */
const MAX_LISTS = 1000;
const MAX_ANCHORS = 32;

export class PageAnchors {
  private readonly lists = new LRUCache<string, { version: number; anchors: Anchor[] }>({ max: MAX_LISTS });

  /** The anchor closest at or before `offset` (never one at 0: nothing to skip there), with its version. */
  near(list: string, offset: number): { version: number; anchor: Anchor } | null {
    const kept = this.lists.get(list);
    let best: Anchor | undefined;
    for (const a of kept?.anchors ?? []) if (a.offset > 0 && a.offset <= offset && (!best || a.offset > best.offset)) best = a;
    return kept && best ? { version: kept.version, anchor: best } : null;
  }

  /**
   * What a page read in `version` showed: its first row is at `offset`, and the row after its last is
   * at `offset + keys.length`, if the page was full (else there may be none). Anchors of another version
   * are dropped: they no longer hold.
   */
  remember(list: string, version: number, offset: number, limit: number, keys: RowKey[]): void {
    let kept = this.lists.get(list);
    if (!kept || kept.version !== version) {
      kept = { version, anchors: [] };
      this.lists.set(list, kept);
    }
    const first = keys[0];
    const last = keys[keys.length - 1];
    if (first) this.add(kept.anchors, { ...first, offset, inclusive: true });
    if (last && keys.length === limit) this.add(kept.anchors, { ...last, offset: offset + keys.length, inclusive: false });
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
export function listSlice(scope: ListScope, page: Page, columns = scope.columns, gate = empty, offset = page.offset): Sql {
  return sql`SELECT ${columns} FROM ${scope.table} WHERE ${scope.where} ${gate}
    ORDER BY "created_at", "id" LIMIT ${limitParam(page.limit)} OFFSET ${limitParam(offset)}`;
}

/** The list's total: the sum of its counter rows, kept by the triggers. */
export function listTotal(scope: ListScope): Sql {
  return sql`(SELECT COALESCE(SUM("count"), 0) FROM "service_list_counts" WHERE ${scope.counters})`;
}

/**
 * readListPage's FROM: the page's rows (aliased `p`), in list order, beside the list's total and
 * version (`c`); when the page is empty, one row of `c` and nulls (readListPage drops rows without a key).
 */
function pageRows(scope: ListScope, page: Page, anchors: PageAnchors | null): Sql {
  // SUM of a BIGINT is a NUMERIC on PostgreSQL: cast back, so that it comes back as a BigInt.
  const sumOfVersions = sql`CAST(COALESCE(SUM("version"), 0) AS BIGINT)`;
  const version = sql`(SELECT ${sumOfVersions} FROM "service_list_counts" WHERE ${scope.counters})`;
  const walk = (gate: Sql, offset: number) => sql`SELECT * FROM (${listSlice(scope, page, scope.columns, gate, offset)}) w`;
  const near = anchors?.near(scope.key, page.offset);
  const slice = near
    ? sql`${walk(sql`AND ${version} = ${near.version} AND ("created_at", "id") ${near.anchor.inclusive ? sql`>=` : sql`>`} (${near.anchor.createdAt}, ${near.anchor.id})`, page.offset - near.anchor.offset)}
      UNION ALL ${walk(sql`AND ${version} <> ${near.version}`, page.offset)}`
    : walk(empty, page.offset);
  // The total and the version from one read of the counter rows (listTotal is the total alone).
  return sql`(SELECT COALESCE(SUM("count"), 0) AS "total", ${sumOfVersions} AS "version" FROM "service_list_counts" WHERE ${scope.counters}) c
    LEFT JOIN (${slice}) p ON TRUE`;
}

/** The key of a page row, whose key columns the caller selects as `page_created_at` and `page_id`. */
function pageKey(r: Row): RowKey | null {
  return r.page_id === null ? null : { createdAt: date(r, 'page_created_at'), id: text(r, 'page_id') };
}

/**
 * One page of a list and its total, in one statement: `shown` are the columns the caller presents and
 * `joins` bring them onto the page rows `p` (LEFT JOINs: the total's row stays when the page is empty).
 * Runs on SQLite's direct connection when there is one, else through Prisma; on PostgreSQL the page's
 * keys are remembered as anchors of the version read.
 */
export async function readListPage(
  database: Pick<Database, 'prisma' | 'direct' | 'dialect'>,
  scope: ListScope,
  page: Page,
  shown: Sql,
  joins: Sql,
): Promise<{ total: number; rows: Row[] }> {
  const anchors = anchorsFor(database);
  const rows = await runRead(
    database.prisma,
    database.direct,
    sql`SELECT c."total", c."version", p."created_at" AS "page_created_at", p."id" AS "page_id", ${shown}
    FROM ${pageRows(scope, page, anchors)} ${joins}
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
  anchors?.remember(scope.key, count(head, 'version'), page.offset, page.limit, keys);
  return { total: count(head, 'total'), rows: found };
}
