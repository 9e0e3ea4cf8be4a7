// npm run bench — measures, in one run on this machine, a bare Koa baseline and Tessera's hot paths,
// and prints each as a ratio to the baseline. Results go to bench/results.json.
//   Service API: GET /api/service/info, GET /api/service/users?limit=50 (10 000 users seeded).
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.ts';
import { openDatabase } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { newId, newToken } from '../src/security/random.ts';
import { apiKeyHasher, generateApiKey } from '../src/security/api-key.ts';
import { load, ratio, root, startChild, stopChild, type Measured } from './lib.ts';
import { authnRequestForm, responsesPerSecond, rsaSignaturesPerSecond, seedSso } from './sso.ts';

const SECRET = 'bench-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const ENCRYPTION_KEY = 'bench-only-key-material-not-secret';
const USERS = 10_000;
const KEYS = 1_500;
// BENCH_ONLY=info,users,sso limits the run (for profiling one path at a time).
const only = process.env.BENCH_ONLY?.split(',');
const wanted = (name: string) => !only || only.includes(name); // rotated so no key passes its 100 reads/minute: the real limiter stays on the path

async function seed(databaseUrl: string): Promise<{ keys: string[]; cookie: string; ssoPath: string }> {
  await migrate(databaseUrl);
  const database = openDatabase(databaseUrl);
  const db = database.prisma;
  const org = await db.organization.create({ data: { id: newId('org'), slug: 'bench', name: 'Bench' } });
  const service = await db.service.create({ data: { id: newId('svc'), organizationId: org.id, slug: 'app', name: 'Bench App', serviceType: 'web', clientId: newToken(16) } });
  const now = Date.now();
  for (let i = 0; i < USERS; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, USERS - i) }, (_, j) => ({ id: newId('usr'), organizationId: org.id, email: `user${i + j}@bench.example`, createdAt: new Date(now - (USERS - i - j) * 1000) }));
    await db.user.createMany({ data: batch });
    await db.serviceUser.createMany({ data: batch.map((u) => ({ id: newId('su'), serviceId: service.id, userId: u.id, persistentNameId: `tsr-${newToken(24)}`, createdAt: u.createdAt })) });
  }
  const hash = apiKeyHasher(SECRET);
  const keys: string[] = [];
  const rows = [];
  for (let i = 0; i < KEYS; i++) {
    const { key, prefix } = generateApiKey('live');
    keys.push(key);
    rows.push({ id: newId('key'), serviceId: service.id, name: `bench ${i}`, prefix, environment: 'live', keyHash: hash(key), permissions: JSON.stringify(['read:service', 'read:users']) });
  }
  await db.apiKey.createMany({ data: rows });
  const sso = await seedSso(db, ENCRYPTION_KEY, org);
  await database.close();
  return { keys, cookie: sso.cookie, ssoPath: `/saml/${org.slug}/${sso.serviceSlug}/sso` };
}


async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  const databaseUrl = `file:${join(dir, 'bench.db')}`;
  const results: Measured[] = [];
  let sso: Measured | undefined;
  let rsa = 0;
  let built = 0;
  try {
    rsa = rsaSignaturesPerSecond();
    built = await responsesPerSecond();
    console.log(`seeding ${USERS} users and ${KEYS} keys …`);
    const { keys, cookie, ssoPath } = await seed(databaseUrl);
    loadConfig({ DATABASE_URL: databaseUrl, TESSERA_SECRET: SECRET }); // fail fast on a bad bench config

    // Every run, baseline included, sends the same pre-built requests (rotating keys), so the load
    // generator's own cost is the same on both sides of each ratio.
    const headerSets = keys.map((k) => ({ 'x-api-key': k }));
    const bare = await startChild('bench/bare-koa.ts', { PORT: '0' });
    await load('warm-up', bare.url, { duration: 1, headerSets });
    const baseline = await load('bare Koa {}', bare.url, { headerSets });
    await stopChild(bare.child);
    results.push(baseline);

    const port = String(30000 + Math.floor(Math.random() * 20000));
    const publicUrl = `http://127.0.0.1:${port}`;
    const tessera = await startChild('src/main.ts', { PORT: port, HOST: '127.0.0.1', PUBLIC_URL: publicUrl, DATABASE_URL: databaseUrl, TESSERA_SECRET: SECRET, NODE_ENV: 'production', TESSERA_ENCRYPTION_KEY: ENCRYPTION_KEY, LOG_LEVEL: 'info' });
    // Warm-up loads every key into the cache (as a long-running server has them).
    await load('warm-up', `${tessera.url}/api/service/info`, { amount: headerSets.length * 10, headerSets });
    if (wanted('healthz')) results.push(await load('GET /healthz (middleware floor)', `${tessera.url}/healthz`, { headerSets }));
    if (wanted('info')) results.push(await load('GET /api/service/info', `${tessera.url}/api/service/info`, { headerSets }));
    if (wanted('users')) results.push(await load('GET /api/service/users?limit=50', `${tessera.url}/api/service/users?limit=50`, { headerSets }));
    const ssoUrl = publicUrl + ssoPath;
    const ssoLoad = { method: 'POST' as const, headers: () => ({ cookie, 'content-type': 'application/x-www-form-urlencoded' }), body: () => authnRequestForm(ssoUrl) };
    if (wanted('sso')) {
      await load('warm-up', ssoUrl, { duration: 2, ...ssoLoad });
      sso = await load('POST /saml/…/sso (live session, 2 signatures)', ssoUrl, ssoLoad);
      results.push(sso);
    }
    await stopChild(tessera.child);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const base = results[0];
  if (!base) throw new Error('no baseline');
  console.log(`\nTessera benchmark — ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
  console.log('name'.padEnd(36) + 'req/s'.padStart(10) + 'p99 ms'.padStart(9) + 'vs baseline'.padStart(14) + 'errors'.padStart(9));
  for (const r of results) {
    console.log(r.name.padEnd(36) + r.rps.toFixed(0).padStart(10) + String(r.p99).padStart(9) + ratio(r.rps, base.rps).padStart(14) + String(r.errors + r.non2xx).padStart(9));
  }
  const ssoRatio = sso ? (sso.rps * 2) / rsa : 0;
  console.log(`\ncrypto.sign RSA-2048 SHA-256 (KeyObject): ${rsa.toFixed(0)} signatures/s`);
  console.log(`SSO signing efficiency, whole HTTP sign-in: ${sso?.rps.toFixed(0) ?? '?'} Responses/s × 2 signatures ÷ ${rsa.toFixed(0)} signatures/s = ${(ssoRatio * 100).toFixed(1)} %`);
  console.log(`Response building alone (in process): ${built.toFixed(0)} Responses/s × 2 ÷ ${rsa.toFixed(0)} = ${((built * 2 / rsa) * 100).toFixed(1)} %`);
  writeFileSync(join(root, 'bench', 'results.json'), JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, model: cpus()[0]?.model, rsa_signatures_per_second: rsa, sso_signing_efficiency: ssoRatio, responses_built_per_second: built, build_signing_efficiency: (built * 2) / rsa, results: results.map((r) => ({ ...r, ratio_to_baseline: r.rps / base.rps })) }, null, 2));
  if (results.some((r) => r.errors + r.non2xx > 0)) {
    console.error('some requests failed: the figures above are not valid');
    process.exitCode = 1;
  }
}

await main();
