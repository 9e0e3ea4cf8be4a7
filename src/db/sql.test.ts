// sqliteIsoText against strftime, the expression it replaced in the list pages' JSON: for the text both
// writers store it must give the same bytes, and any other shape must still reach strftime.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { limitParam, sqliteIsoText } from './sql.ts';

const stored = [
  new Date('2026-12-05T21:34:39.670Z').toISOString().replace('Z', '+00:00'), // what both writers store
  '1970-01-01T00:00:00.000+00:00',
  '2026-12-05 21:34:39', // CURRENT_TIMESTAMP, the columns' SQL default
  '2026-12-05T23:34:39.670+02:00', // an offset other than UTC
  '2026-12-05T21:34:39.6+00:00', // fewer digits: length differs
  'not a date',
];

describe('sqliteIsoText', () => {
  const db = new Database(':memory:');
  const fast = db.prepare(`SELECT ${sqliteIsoText('@v').sql} AS v`).pluck();
  const slow = db.prepare(`SELECT strftime('%Y-%m-%dT%H:%M:%fZ', @v) AS v`).pluck();

  it.each(stored)('writes %s as strftime does', (value) => {
    expect(fast.get({ v: value })).toBe(slow.get({ v: value }));
  });

  it('matches toISOString for what the writers store', () => {
    const at = new Date('2026-12-05T21:34:39.670Z');
    expect(fast.get({ v: at.toISOString().replace('Z', '+00:00') })).toBe(at.toISOString());
  });
});

describe('limitParam', () => {
  it('binds the value (no text spliced) and limits like a bare parameter', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2), (3), (4), (5);');
    const page = (limit: number, offset: number) => {
      const s = limitParam(limit);
      const o = limitParam(offset);
      expect(s.values).toEqual([limit]);
      return db.prepare(`SELECT n FROM (SELECT n FROM t ORDER BY n LIMIT ${s.sql} OFFSET ${o.sql})`).pluck().all(limit, offset);
    };
    expect(page(2, 1)).toEqual([2, 3]);
    expect(page(10, 4)).toEqual([5]);
    expect(page(0, 0)).toEqual([]);
  });
});
