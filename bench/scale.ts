// npm run bench:scale — PostgreSQL at scale: 100 000 users linked to a service, 1 000 000 login
// events over 90 days, 50 000 subscriptions. Times, through HTTP against a running Tessera:
// GET /api/service/analytics, GET /api/service/users and /subscriptions pages from the first to
// offset 50 000, GET /api/service/users/:id, and API-key authentication (first use = database lookup,
// then cached). Targets: analytics < 50 ms; list pages < 5 ms at any offset up to 50 000; a user < 2 ms.
// Then the sign-in activity and audit log of an organization with 1 000 000 rows of each
// (scale-activity.ts; target < 50 ms). BENCH_SCALE_ONLY=activity measures only that part, =service only the first.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import pg from 'pg';
import { migrate } from '../src/db/migrate.ts';
import { parseDatabaseUrl, pgPoolConfig } from '../src/db/client.ts';
import { apiKeyHasher, generateApiKey } from '../src/security/api-key.ts';
import { root, startChild, stopChild } from './lib.ts';
import { ENCRYPTION_KEY, SECRET } from './seed.ts';
import { ACTIVITY_ROWS, activityAdmin, activityPaths, checkTotals, explainActivity, seedActivity, timedGet } from './scale-activity.ts';

const BASE = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const USERS = 100_000;
const EVENTS = 1_000_000;
const ONLY_ACTIVITY = process.env.BENCH_SCALE_ONLY === 'activity';
const ONLY_SERVICE = process.env.BENCH_SCALE_ONLY === 'service';
/**
 * Each Service API request is made WARMUP times before it is timed SAMPLES times: a backend that syncs
 * its users makes the same requests over and over, so what it waits for is the steady state (the
 * server's code compiled by V8, PostgreSQL's pages in its buffer cache), not a process's first requests.
 */
const WARMUP = 50;
const SAMPLES = 100;
/** Reads that each follow a change to the list (measureWithoutAnchors). */
const COLD_SAMPLES = 30;
/** API keys: the first READ_KEYS share the timed reads, the others are each used once cold, once cached. */
const READ_KEYS = 60;
const KEYS = READ_KEYS + 20;

async function seed(client: pg.Client): Promise<string[]> {
  const q = (sql: string, params: unknown[] = []) => client.query(sql, params);
  await q(`INSERT INTO organizations (id, slug, name, created_at, updated_at) VALUES ('org_scale', 'scale', 'Scale', now(), now())`);
  await q(
    `INSERT INTO services (id, organization_id, slug, name, service_type, client_id, redirect_uris, created_at, updated_at) VALUES ('svc_scale', 'org_scale', 'app', 'Scale App', 'web', 'scale', '[]', now(), now())`,
  );
  await q(
    `INSERT INTO plans (id, service_id, name, price_cents, currency, features, created_at, updated_at) VALUES ('plan_scale', 'svc_scale', 'Pro', 1900, 'usd', '["a"]', now(), now())`,
  );
  await q(
    `INSERT INTO users (id, organization_id, email, disabled, created_at, updated_at)
           SELECT 'usr_scale' || g, 'org_scale', 'user' || g || '@scale.example', false, now() - (g || ' seconds')::interval, now() FROM generate_series(1, $1) g`,
    [USERS],
  );
  await q(
    `INSERT INTO service_users (id, service_id, user_id, persistent_name_id, created_at)
           SELECT 'su_scale' || g, 'svc_scale', 'usr_scale' || g, 'tsr-scale-' || g, now() - (g || ' seconds')::interval FROM generate_series(1, $1) g`,
    [USERS],
  );
  await q(
    `INSERT INTO subscriptions (id, service_id, user_id, plan_id, status, current_period_end, created_at, updated_at)
           SELECT 'sub_scale' || g, 'svc_scale', 'usr_scale' || g, 'plan_scale', CASE WHEN g % 5 = 0 THEN 'cancelled' ELSE 'active' END, now() + interval '30 days', now(), now()
           FROM generate_series(1, $1) g`,
    [USERS / 2],
  );
  await q(
    `INSERT INTO login_events (id, service_id, user_id, created_at)
           SELECT 'evt_scale' || g, 'svc_scale', 'usr_scale' || (1 + (g::bigint * 7919) % $2), now() - ((g % (90 * 24 * 60)) || ' minutes')::interval FROM generate_series(1, $1) g`,
    [EVENTS, USERS],
  );
  // What recordLogin would have kept alongside those events: hourly counters and each user's last login.
  await q(`INSERT INTO login_counts (service_id, hour, count) SELECT service_id, date_trunc('hour', created_at), COUNT(*) FROM login_events GROUP BY 1, 2`);
  await q(
    `UPDATE service_users su SET last_login_at = l.at FROM (SELECT user_id, MAX(created_at) AS at FROM login_events GROUP BY user_id) l WHERE su.user_id = l.user_id`,
  );
  const hash = apiKeyHasher(SECRET);
  const keys: string[] = [];
  for (let i = 0; i < KEYS; i++) {
    const { key, prefix } = generateApiKey('live');
    keys.push(key);
    await q(
      `INSERT INTO api_keys (id, service_id, name, prefix, environment, key_hash, permissions, created_at) VALUES ($1, 'svc_scale', $2, $3, 'live', $4, $5, now())`,
      [`key_scale${i}`, `k${i}`, prefix, hash(key), JSON.stringify(['read:users', 'read:subscriptions', 'read:analytics', 'read:service'])],
    );
  }
  await q('VACUUM ANALYZE');
  return keys;
}

const timed = (url: string, key: string) => timedGet(url, { 'x-api-key': key });

// Each list page at the top, in the middle and at offset 50 000 (the last subscriptions page starts at 49 950).
const PAGES = [
  '/api/service/users?limit=50&offset=0',
  '/api/service/users?limit=50&offset=10000',
  '/api/service/users?limit=50&offset=50000',
  '/api/service/subscriptions?limit=50&offset=0',
  '/api/service/subscriptions?limit=50&offset=10000',
  '/api/service/subscriptions?limit=50&offset=49950',
  '/api/service/subscriptions?status=active&limit=50&offset=30000',
];

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  return { median_ms: Number(at(0.5).toFixed(2)), p95_ms: Number(at(0.95).toFixed(2)), n: s.length };
};

/**
 * Analytics, each list page and single users: WARMUP untimed requests, then SAMPLES timed ones each,
 * spread over the keys (each key may make 100 reads a minute).
 */
async function measureReads(base: string, keys: string[], client: pg.Client): Promise<Record<string, ReturnType<typeof stats>>> {
  let n = 0;
  const key = () => keys[n++ % keys.length] ?? '';
  const results: Record<string, ReturnType<typeof stats>> = {};
  const measure = async (name: string, url: (i: number) => string) => {
    for (let i = 0; i < WARMUP; i++) await timed(url(i), key());
    const times: number[] = [];
    for (let i = 0; i < SAMPLES; i++) times.push(await timed(url(WARMUP + i), key()));
    results[name] = stats(times);
  };
  await measure('GET /api/service/analytics', () => `${base}/api/service/analytics`);
  for (const path of PAGES) await measure(`GET ${path.slice('/api/service'.length)}`, () => base + path);
  // Ids from usr_scale10000 on: shorter ones are not well-formed ids and are refused before any read.
  await measure('GET /users/:id', (i) => `${base}/api/service/users/usr_scale${10_000 + ((i * 7919) % 90_000)}`);
  Object.assign(results, await measureAfterChanges(base, key, client));
  return results;
}

/**
 * The pages above are read again and again, so after the first read each comes from its page anchor
 * (src/service-api/page-anchors.ts). Here the list changes before each read, through SQL, three ways:
 *  - at its end (a link and a subscription added after every row, then removed): the anchors hold as
 *    they are;
 *  - before the page (one added before every row, then removed, in turns): the anchors are moved by one;
 *  - across the page (two rows, one before and one after every row, added in one statement, then
 *    removed in one): no anchor can be repaired, and the read walks the whole offset, as the first read
 *    of a page does;
 * and a sync after a change, page after page from offset 40 000, each starting where the previous ended.
 */
async function measureAfterChanges(base: string, key: () => string, client: pg.Client): Promise<Record<string, ReturnType<typeof stats>>> {
  await client.query(
    `INSERT INTO users (id, organization_id, email, disabled, created_at, updated_at)
     VALUES ('usr_scale_change', 'org_scale', 'change@scale.example', false, now(), now()), ('usr_scale_change2', 'org_scale', 'change2@scale.example', false, now(), now())`,
  );
  const link = (n: string, at: string) => `('su_scale_change${n}', 'svc_scale', 'usr_scale_change${n}', 'tsr-scale-change${n}', ${at})`;
  const sub = (n: string, at: string) =>
    `('sub_scale_change${n}', 'svc_scale', 'usr_scale9999${n === '' ? '9' : '8'}', 'plan_scale', 'active', now(), ${at}, now())`;
  const [early, late] = ["now() - interval '1 year'", "now() + interval '1 day'"];
  // Each an INSERT per list (one statement, whatever its rows), or a DELETE per list of what was added.
  const add = async (links: string[], subs: string[]) => {
    await client.query(`INSERT INTO service_users (id, service_id, user_id, persistent_name_id, created_at) VALUES ${links.join(', ')}`);
    await client.query(
      `INSERT INTO subscriptions (id, service_id, user_id, plan_id, status, current_period_end, created_at, updated_at) VALUES ${subs.join(', ')}`,
    );
  };
  const remove = async () => {
    await client.query(`DELETE FROM service_users WHERE id IN ('su_scale_change', 'su_scale_change2')`);
    await client.query(`DELETE FROM subscriptions WHERE id IN ('sub_scale_change', 'sub_scale_change2')`);
  };
  let turn = 0;
  const changes: Record<string, () => Promise<void>> = {
    'at its end': async () => {
      await add([link('', late)], [sub('', late)]);
      await remove();
    },
    // Added in one turn, removed in the next: each read follows one change before its anchor.
    'before the page': () => (turn++ % 2 === 0 ? add([link('', early)], [sub('', early)]) : remove()),
    'across the page (no anchor usable)': async () => {
      await add([link('', early), link('2', late)], [sub('', early), sub('2', late)]);
      await remove();
    },
  };
  const results: Record<string, ReturnType<typeof stats>> = {};
  for (const [where, change] of Object.entries(changes)) {
    for (const path of ['/api/service/users?limit=50&offset=50000', '/api/service/subscriptions?limit=50&offset=49950']) {
      const times: number[] = [];
      // One untimed read leaves the anchor the timed reads start from.
      await timed(base + path, key());
      for (let i = 0; i < COLD_SAMPLES; i++) {
        await change();
        times.push(await timed(base + path, key()));
      }
      results[`GET ${path.slice('/api/service'.length)}, first read after a change ${where}`] = stats(times);
    }
  }
  await changes['across the page (no anchor usable)']?.();
  const sync: number[] = [];
  for (let i = 0; i <= SAMPLES; i++) {
    const t = await timed(`${base}/api/service/users?limit=50&offset=${String(40_000 + i * 50)}`, key());
    if (i > 0) sync.push(t);
  }
  results['GET /users?limit=50, pages from offset 40 050 on, one after another'] = stats(sync);
  return results;
}

/** API-key authentication (first use, then cached) and the Service API reads. */
async function measureService(base: string, keys: string[], client: pg.Client): Promise<Record<string, ReturnType<typeof stats>>> {
  const results: Record<string, ReturnType<typeof stats>> = {};
  const cold: number[] = [];
  const warm: number[] = [];
  for (const k of keys.slice(READ_KEYS)) {
    cold.push(await timed(`${base}/api/service/info`, k));
    warm.push(await timed(`${base}/api/service/info`, k));
  }
  results['API-key auth, first use (database lookup) + GET /info'] = stats(cold);
  results['API-key auth, cached + GET /info'] = stats(warm);
  Object.assign(results, await measureReads(base, keys.slice(0, READ_KEYS), client));
  return results;
}

/** Seeds the activity organization through the running server, then times each list shape 30 times. */
async function measureActivity(client: pg.Client, base: string, plans: string[]): Promise<Record<string, ReturnType<typeof stats>>> {
  const { token, orgId } = await activityAdmin(base);
  const t0 = performance.now();
  await seedActivity(client, orgId);
  console.log(`seeded ${ACTIVITY_ROWS} sign-ins and ${ACTIVITY_ROWS} audit events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await checkTotals(client, base, token, orgId);
  const results: Record<string, ReturnType<typeof stats>> = {};
  for (const [name, path] of activityPaths()) {
    const times: number[] = [];
    for (let i = 0; i < 30; i++) times.push(await timedGet(`${base}/api/organizations/activity${path}`, { authorization: `Bearer ${token}` }));
    results[`GET ${name}`] = stats(times);
  }
  plans.push(...(await explainActivity(client, orgId)));
  return results;
}

async function main(): Promise<void> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(BASE);
  url.searchParams.set('schema', schema);
  const databaseUrl = url.toString();
  await migrate(databaseUrl);
  const client = new pg.Client(pgPoolConfig(parseDatabaseUrl(databaseUrl) as Parameters<typeof pgPoolConfig>[0]));
  await client.connect();
  const results: Record<string, ReturnType<typeof stats>> = {};
  const plans: string[] = [];
  try {
    if (!ONLY_ACTIVITY) console.log(`seeding ${USERS} users and ${EVENTS} login events into PostgreSQL schema ${schema} …`);
    const t0 = performance.now();
    const keys = ONLY_ACTIVITY ? [] : await seed(client);
    if (!ONLY_ACTIVITY) console.log(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const port = String(30000 + Math.floor(Math.random() * 20000));
    const tessera = await startChild('src/main.ts', {
      PORT: port,
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      TESSERA_SECRET: SECRET,
      NODE_ENV: 'production',
      // Production refuses a key under 32 characters (src/config): the same bench-only key as `npm run bench`.
      TESSERA_ENCRYPTION_KEY: ENCRYPTION_KEY,
      LOG_LEVEL: 'warn',
    });
    try {
      const base = tessera.url;
      if (!ONLY_ACTIVITY) Object.assign(results, await measureService(base, keys, client));
      if (!ONLY_SERVICE) Object.assign(results, await measureActivity(client, base, plans));
    } finally {
      await stopChild(tessera.child);
    }
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await client.end();
  }
  console.log(
    `\nTessera scale benchmark — ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} — PostgreSQL, ${USERS} users, ${EVENTS} login events`,
  );
  for (const [name, s] of Object.entries(results))
    console.log(`${name.padEnd(52)} median ${String(s.median_ms).padStart(8)} ms   p95 ${String(s.p95_ms).padStart(8)} ms`);
  console.log(`\nPostgreSQL plans of the activity lists (${ACTIVITY_ROWS} rows each):\n${plans.join('\n')}`);
  const file = ONLY_ACTIVITY ? 'scale-activity-results.json' : 'scale-results.json';
  writeFileSync(join(root, 'bench', file), JSON.stringify({ date: new Date().toISOString(), users: USERS, events: EVENTS, results, plans }, null, 2));
}

await main();
