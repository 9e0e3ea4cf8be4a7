// The databases every e2e suite runs against: a fresh SQLite file always, and a fresh PostgreSQL
// schema when TEST_DATABASE_URL is set (CI sets it). Each call gives an isolated, empty database.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  name: 'sqlite' | 'postgresql';
  url: string;
  drop(): Promise<void>;
}
export type DatabaseFactory = { name: 'sqlite' | 'postgresql'; create(): Promise<TestDatabase> };

const sqlite: DatabaseFactory = {
  name: 'sqlite',
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-test-'));
    return { name: 'sqlite', url: `file:${join(dir, 'tessera.db')}`, drop: () => rm(dir, { recursive: true, force: true }) };
  },
};

const postgres = (base: string): DatabaseFactory => ({
  name: 'postgresql',
  // Nothing to make yet: the server's migration creates the schema named in the URL.
  create() {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const url = new URL(base);
    url.searchParams.set('schema', schema);
    return Promise.resolve({
      name: 'postgresql',
      url: url.toString(),
      drop: async () => {
        const client = new pg.Client({ connectionString: base });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      },
    });
  },
});

export function databases(): DatabaseFactory[] {
  const pgUrl = process.env.TEST_DATABASE_URL;
  return pgUrl ? [sqlite, postgres(pgUrl)] : [sqlite];
}
