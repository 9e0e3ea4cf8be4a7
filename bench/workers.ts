// npm run bench:workers — TESSERA_WORKERS=1 against TESSERA_WORKERS=2 on one SQLite file (issue 20 item 3):
// GET /api/service/info and SSO (HTTP-POST, live session, two signatures), each as req/s and as server
// CPU per request (the primary and its workers summed). Both servers run side by side on one database and
// are loaded in turns within each round, so drift on this shared machine hits both alike.
//
// This machine has 2 cores and the load generator (autocannon, in this process) needs one of them: two
// workers can never have two free cores here, so req/s understates what a second core gives a server
// that has the machine to itself; CPU per request says what each request costs either way.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { newId, newToken } from '../src/security/random.ts';
import { apiKeyHasher, generateApiKey } from '../src/security/api-key.ts';
import { load, root, startChild, stopChild, type LoadOptions, type Measured } from './lib.ts';
import { authnRequestForm, seedSso } from './sso.ts';
import { ENCRYPTION_KEY, SECRET } from './seed.ts';

const KEYS = 3000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SLICE_SECONDS = Number(process.env.BENCH_SLICE ?? 3);

async function seed(databaseUrl: string): Promise<{ keys: string[]; cookie: string; ssoPath: string }> {
  await migrate(databaseUrl);
  const database = await openDatabase(databaseUrl);
  const db = database.prisma;
  const org = await db.organization.create({ data: { id: newId('org'), slug: 'bench', name: 'Bench' } });
  const service = await db.service.create({
    data: { id: newId('svc'), organizationId: org.id, slug: 'app', name: 'Bench App', serviceType: 'web', clientId: newToken(16) },
  });
  const hash = apiKeyHasher(SECRET);
  const keys = Array.from({ length: KEYS }, () => generateApiKey('live'));
  await db.apiKey.createMany({
    data: keys.map(({ key, prefix }, i) => ({
      id: newId('key'),
      serviceId: service.id,
      name: `bench ${i}`,
      prefix,
      environment: 'live',
      keyHash: hash(key),
      permissions: JSON.stringify(['read:service']),
    })),
  });
  const sso = await seedSso(db, ENCRYPTION_KEY, org);
  await database.close();
  return { keys: keys.map((k) => k.key), cookie: sso.cookie, ssoPath: `/saml/${org.slug}/${sso.serviceSlug}/sso` };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return ((s[(s.length - 1) >> 1] ?? 0) + (s[s.length >> 1] ?? 0)) / 2;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-workers-'));
  const databaseUrl = `file:${join(dir, 'bench.db')}`;
  const servers: Awaited<ReturnType<typeof startChild>>[] = [];
  try {
    const seeded = await seed(databaseUrl);
    const base = 30000 + Math.floor(Math.random() * 20000);
    const runs: { workers: number; url: string; pid: number }[] = [];
    for (const workers of [1, 2]) {
      const port = String(base + workers);
      const url = `http://127.0.0.1:${port}`;
      const env = { HOST: '127.0.0.1', PORT: port, PUBLIC_URL: url, DATABASE_URL: databaseUrl, TESSERA_SECRET: SECRET };
      const child = await startChild('src/main.ts', {
        ...env,
        NODE_ENV: 'production',
        TESSERA_ENCRYPTION_KEY: ENCRYPTION_KEY,
        TESSERA_WORKERS: String(workers),
      });
      servers.push(child);
      runs.push({ workers, url, pid: child.child.pid ?? 0 });
    }
    await new Promise((r) => setTimeout(r, 2000)); // the second worker of the 2-worker server is up too
    const headerSets = seeded.keys.map((k) => ({ 'x-api-key': k }));
    const sso = (url: string): LoadOptions => ({
      method: 'POST',
      headers: () => ({ cookie: seeded.cookie, 'content-type': 'application/x-www-form-urlencoded' }),
      body: () => authnRequestForm(url + seeded.ssoPath),
    });
    for (const r of runs) {
      await load('warm-up', `${r.url}/api/service/info`, { amount: headerSets.length, headerSets });
      await load('warm-up', r.url + seeded.ssoPath, { duration: 1, ...sso(r.url) });
    }
    const results = new Map<string, Measured[]>();
    const add = (m: Measured) => results.set(m.name, [...(results.get(m.name) ?? []), m]);
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`round ${round} of ${ROUNDS} …`);
      for (const r of runs)
        add(await load(`GET /api/service/info, ${r.workers} worker(s)`, `${r.url}/api/service/info`, { duration: SLICE_SECONDS, headerSets, pid: r.pid }));
      for (const r of runs)
        add(await load(`POST /saml/…/sso, ${r.workers} worker(s)`, r.url + seeded.ssoPath, { duration: SLICE_SECONDS, ...sso(r.url), pid: r.pid }));
    }
    console.log(
      `\nTESSERA_WORKERS — ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} — load generator on the same cores — median of ${ROUNDS} rounds`,
    );
    console.log('name'.padEnd(40) + 'req/s'.padStart(9) + 'p99 ms'.padStart(8) + 'errors'.padStart(8) + 'server µs/req (user+sys)'.padStart(28));
    const summary = [...results].map(([name, ms]) => ({
      name,
      rps: median(ms.map((m) => m.rps)),
      p99: median(ms.map((m) => m.p99)),
      errors: ms.reduce((n, m) => n + m.errors + m.non2xx, 0),
      cpu_us: median(ms.map((m) => (m.cpu ? m.cpu.user + m.cpu.sys : 0))),
    }));
    for (const s of summary) {
      console.log(
        s.name.padEnd(40) + s.rps.toFixed(0).padStart(9) + String(s.p99).padStart(8) + String(s.errors).padStart(8) + s.cpu_us.toFixed(0).padStart(28),
      );
    }
    writeFileSync(
      join(root, 'bench', 'workers-results.json'),
      JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, rounds: ROUNDS, summary }, null, 2),
    );
    if (summary.some((s) => s.errors > 0)) {
      console.error('some requests failed: the figures above are not valid');
      process.exitCode = 1;
    }
  } finally {
    for (const s of servers) await stopChild(s.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
