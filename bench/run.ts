// npm run bench — measures, in one run on this machine, a bare Koa baseline and Tessera's hot paths,
// and prints each as a ratio to the baseline. Results go to bench/results.json.
//   Service API: GET /api/service/info, GET /api/service/users?limit=50 and
//   GET /api/service/subscriptions?limit=50 (10 000 users seeded, each with a subscription).
//   SSO: POST /saml/…/sso for a signed-in user, against crypto.sign RSA-2048 in the same round; and
//   the same in an organization with a webhook subscribed to "*" (a user.signed_in event per sign-in,
//   delivered to a receiver in this process), reported as a ratio to the SSO run of the same round.
//
// The machine is shared and its speed drifts by tens of percent within a minute, so every figure is
// measured in ROUNDS, and within a round each path is measured between two baseline loads (bare,
// path, bare, next path, bare, …; the RSA ceiling right before and after the SSO load). Each ratio is
// the path against the mean of the two baselines around it, and the median round is reported. A ratio
// is therefore never a fast baseline divided by a slow target or the reverse.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.ts';
import {
  LOAD_CPU,
  PINNED,
  load,
  onServerCore,
  pinMainThread,
  commandFor,
  root,
  rssMiB,
  startChild,
  stopChild,
  type LoadOptions,
  type Measured,
} from './lib.ts';
import { ENCRYPTION_KEY, SECRET, USERS, KEYS, seed, type Seeded } from './seed.ts';
import { measureRedirect, reportRedirect, ssoRedirectLoadFor, type RedirectRound } from './sso-redirect.ts';
import { ssoLoadFor, responsesPerSecond, rsaSignaturesPerSecond, signInWriteMicros, startWebhookReceiver, spEncryptionCertificate } from './sso.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SLICE_SECONDS = Number(process.env.BENCH_SLICE ?? 3);
// BENCH_ONLY=info,info-public,users,subscriptions,sso,sso-webhook,sso-redirect,healthz limits the run (for profiling one path at a time).
const only = process.env.BENCH_ONLY?.split(',');
const wanted = (name: string) => !only || only.includes(name);

interface Paired extends Measured {
  baseline: number;
}
interface Round {
  bare: Measured[];
  measured: Paired[];
  rsa: number;
  sso: Measured | undefined;
  /** The SSO load in the organization with a webhook on "*", right after `sso`. */
  ssoHooked: Measured | undefined;
  /** The HTTP-Redirect binding's SSO load and its ceilings (sso-redirect.ts). */
  ssoRedirect?: RedirectRound | undefined;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return ((s[(s.length - 1) >> 1] ?? 0) + (s[s.length >> 1] ?? 0)) / 2;
};
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
/** Median server CPU per request as "user+sys" µs. */
const cpuOf = (ms: (Measured | undefined)[]): string => {
  const c = ms.map((m) => m?.cpu).filter((x): x is { user: number; sys: number } => x !== undefined);
  return c.length ? `${median(c.map((x) => x.user)).toFixed(0)}+${median(c.map((x) => x.sys)).toFixed(0)}` : '–';
};

/** The in-process ceilings, measured before any server starts. */
interface InProcess {
  /** Responses built per second (sso.ts responsesPerSecond). */
  built: number;
  /** The same with the Assertion encrypted (aes256-gcm, RSA-OAEP) after signing. */
  builtEncrypted: number;
  /** RSA-2048 signatures per second, in this process. */
  builtRsa: number;
  /** One sign-in's writes, in µs. */
  writes: { prisma: number; direct: number };
}
/** Start-up as results.json records it (field order included). */
interface Startup {
  ms: number;
  idleRss: number;
  loadedRss: number;
  compiled: boolean;
}
type Child = Awaited<ReturnType<typeof startChild>>;
interface Servers {
  bare: Child;
  tessera: Child;
  /** The same server on the public-API paths; only when BENCH_ONLY wants info-public. */
  tesseraPublic: Child | undefined;
  /** Tessera's PUBLIC_URL, the SSO path's origin. */
  publicUrl: string;
}
/** What every load sends: the rotating API-key headers, and the SSO request. */
interface Workload {
  headerSets: Record<string, string>[];
  ssoUrl: string;
  ssoLoad: LoadOptions;
  hooked: { url: string; load: LoadOptions };
  redirect: LoadOptions;
}
interface Measurements {
  inProcess: InProcess;
  rounds: Round[];
  startup: Startup;
  /** Deliveries the webhook receiver got over the whole run (warm-up included). */
  webhookDeliveries: number;
}

async function measureInProcess(dir: string): Promise<InProcess> {
  const builtRsa = rsaSignaturesPerSecond();
  const built = await responsesPerSecond();
  const builtEncrypted = await responsesPerSecond(2000, spEncryptionCertificate());
  const writes = await signInWriteMicros(`file:${join(dir, 'micro.db')}`);
  return { built, builtEncrypted, builtRsa, writes };
}

async function startServers(databaseUrl: string): Promise<Servers> {
  const bare = await startChild('bench/bare-koa.ts', { PORT: '0' });
  const port = String(30000 + Math.floor(Math.random() * 20000));
  const publicUrl = `http://127.0.0.1:${port}`;
  const serverEnv = {
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    TESSERA_SECRET: SECRET,
    NODE_ENV: 'production',
    TESSERA_ENCRYPTION_KEY: ENCRYPTION_KEY,
    LOG_LEVEL: 'info',
    // The receiver of the webhook run listens on 127.0.0.1 (a warning is logged; nothing else changes).
    TESSERA_WEBHOOKS_ALLOW_PRIVATE: 'true',
  };
  const tessera = await startChild('src/main.ts', { ...serverEnv, PORT: port, PUBLIC_URL: publicUrl });
  // The same server on the public-API paths (http/internals.ts), to price the two fast paths in the same run.
  const publicPort = String(Number(port) + 1);
  const tesseraPublic = wanted('info-public')
    ? await startChild('src/main.ts', { ...serverEnv, PORT: publicPort, PUBLIC_URL: `http://127.0.0.1:${publicPort}`, TESSERA_FAST_PATHS: 'off' })
    : undefined;
  return { bare, tessera, tesseraPublic, publicUrl };
}

/** Start-up as an operator sees it: launch to /healthz answering, then resident memory once idle. */
async function measureStartup(tessera: Child): Promise<Omit<Startup, 'loadedRss'>> {
  await new Promise((r) => setTimeout(r, 1000));
  return { ms: tessera.startMs, idleRss: rssMiB(tessera.child.pid), compiled: commandFor('src/main.ts')[0] !== '--import' };
}

async function warmUp({ bare, tessera, tesseraPublic }: Servers, { headerSets, ssoUrl, ssoLoad, hooked, redirect }: Workload): Promise<void> {
  await load('warm-up', bare.url, { duration: 1, headerSets });
  // Warm-up loads every key into the cache (as a long-running server has them) and runs the SSO path
  // (each only when a measured path needs it: keys loaded in the warm-up expire during the rounds).
  if (['healthz', 'info', 'users', 'subscriptions'].some(wanted))
    await load('warm-up', `${tessera.url}/api/service/info`, { amount: headerSets.length * 10, headerSets });
  if (tesseraPublic) await load('warm-up', `${tesseraPublic.url}/api/service/info`, { amount: headerSets.length * 10, headerSets });
  if (wanted('sso')) await load('warm-up', ssoUrl, { duration: 2, ...ssoLoad });
  if (wanted('sso-webhook')) await load('warm-up', hooked.url, { duration: 2, ...hooked.load });
  if (wanted('sso-redirect')) await load('warm-up', ssoUrl, { duration: 2, ...redirect });
}

/** One round: bare, path, bare, next path, bare, …; then the RSA ceiling around the SSO load. */
async function measureRound({ bare, tessera, tesseraPublic }: Servers, { headerSets, ssoUrl, ssoLoad, hooked, redirect }: Workload): Promise<Round> {
  const slice = { headerSets, duration: SLICE_SECONDS };
  const barePid = { pid: bare.child.pid ?? 0 };
  const tesseraPid = { pid: tessera.child.pid ?? 0 };
  const paths: [string, string, string, { url: string; child: { pid?: number } } | undefined][] = [
    ['GET /healthz (middleware floor)', '/healthz', 'healthz', tessera],
    ['GET /api/service/info', '/api/service/info', 'info', tessera],
    ['GET /api/service/info (public paths)', '/api/service/info', 'info-public', tesseraPublic],
    ['GET /api/service/users?limit=50', '/api/service/users?limit=50', 'users', tessera],
    ['GET /api/service/subscriptions?limit=50', '/api/service/subscriptions?limit=50', 'subscriptions', tessera],
  ];
  const bareRuns = [await load('bare Koa {}', bare.url, { ...slice, ...barePid })];
  const measured: Paired[] = [];
  for (const [name, path, , server] of paths.filter((t) => wanted(t[2]))) {
    if (!server) continue;
    const m = await load(name, server.url + path, { ...slice, pid: server.child.pid ?? 0 });
    const after = await load('bare Koa {}', bare.url, { ...slice, ...barePid });
    measured.push({ ...m, baseline: ((bareRuns.at(-1)?.rps ?? 0) + after.rps) / 2 });
    bareRuns.push(after);
  }
  const ssoRedirect = wanted('sso-redirect') ? await measureRedirect(ssoUrl, { ...redirect, ...tesseraPid }) : undefined;
  if (!wanted('sso')) return { bare: bareRuns, measured, rsa: 0, sso: undefined, ssoHooked: undefined, ssoRedirect };
  // The signature ceiling on the server's core, right before and after the SSO load.
  const rsaBefore = onServerCore(() => rsaSignaturesPerSecond(1500));
  const sso = await load('POST /saml/…/sso (live session, 2 signatures)', ssoUrl, { ...ssoLoad, ...tesseraPid });
  const ssoHooked = wanted('sso-webhook') ? await load('POST /saml/…/sso, webhook on "*"', hooked.url, { ...hooked.load, ...tesseraPid }) : undefined;
  const rsa = (rsaBefore + onServerCore(() => rsaSignaturesPerSecond(1500))) / 2;
  return { bare: bareRuns, measured, rsa, sso, ssoHooked, ssoRedirect };
}

/** The measured rounds, and Tessera's largest resident memory after any of them. */
async function measureRounds(servers: Servers, workload: Workload): Promise<{ rounds: Round[]; loadedRss: number }> {
  const rounds: Round[] = [];
  let loadedRss = 0;
  for (let r = 1; r <= ROUNDS; r++) {
    console.log(`round ${r} of ${ROUNDS} …`);
    rounds.push(await measureRound(servers, workload));
    loadedRss = Math.max(loadedRss, rssMiB(servers.tessera.child.pid));
  }
  return { rounds, loadedRss };
}

/** Starts the servers on the seeded database, measures start-up, warms up and runs the rounds, and stops the servers. */
async function measureServers(databaseUrl: string, seeded: Seeded): Promise<{ rounds: Round[]; startup: Startup }> {
  // Every load, baseline included, sends the same pre-built requests (rotating keys), so the load
  // generator's own cost is the same on both sides of each ratio.
  const headerSets = seeded.keys.map((k) => ({ 'x-api-key': k }));
  const servers = await startServers(databaseUrl);
  const { ms, idleRss, compiled } = await measureStartup(servers.tessera);
  const ssoUrl = servers.publicUrl + seeded.ssoPath;
  const ssoLoad = ssoLoadFor(ssoUrl, seeded.cookie);
  const hookedUrl = servers.publicUrl + seeded.hooked.ssoPath;
  const hooked = { url: hookedUrl, load: ssoLoadFor(hookedUrl, seeded.hooked.cookie) };
  const workload = { headerSets, ssoUrl, ssoLoad, hooked, redirect: ssoRedirectLoadFor(ssoUrl, seeded.cookie) };
  try {
    await warmUp(servers, workload);
    const { rounds, loadedRss } = await measureRounds(servers, workload);
    return { rounds, startup: { ms, idleRss, loadedRss, compiled } };
  } finally {
    await stopChild(servers.bare.child);
    await stopChild(servers.tessera.child);
    if (servers.tesseraPublic) await stopChild(servers.tesseraPublic.child);
  }
}

/** Everything measured, in a temporary folder removed at the end. */
async function measure(): Promise<Measurements> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  const databaseUrl = `file:${join(dir, 'bench.db')}`;
  const receiver = await startWebhookReceiver();
  try {
    const inProcess = await measureInProcess(dir);
    console.log(`seeding ${USERS} users (each with a subscription) and ${KEYS} keys …`);
    const seeded = await seed(databaseUrl, receiver.url);
    loadConfig({ DATABASE_URL: databaseUrl, TESSERA_SECRET: SECRET }); // fail fast on a bad bench config
    const { rounds, startup } = await measureServers(databaseUrl, seeded);
    return { inProcess, rounds, startup, webhookDeliveries: receiver.hits() };
  } finally {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures the report and results.json are made of. */
interface Summary {
  /** The measured paths, in order. */
  names: string[];
  /** A path's ratio to its baseline, per round. */
  ratiosOf: (name: string) => number[];
  bareRps: number[];
  ssoRatios: number[];
  /** The SSO loads, one per round that ran one. */
  sso: Measured[];
  /** Per round: Responses/s with a webhook on "*" ÷ Responses/s without (same round). */
  hookedRatios: number[];
}

function summarize(rounds: Round[]): Summary {
  const names = rounds[0]?.measured.map((m) => m.name) ?? [];
  const ratiosOf = (name: string) =>
    rounds.map((r) => {
      const m = r.measured.find((x) => x.name === name);
      return m && m.baseline > 0 ? m.rps / m.baseline : 0;
    });
  const bareRps = rounds.flatMap((r) => r.bare.map((b) => b.rps));
  const ssoRatios = rounds.filter((r) => r.sso).map((r) => ((r.sso?.rps ?? 0) * 2) / r.rsa);
  const sso = rounds.map((r) => r.sso).filter((s): s is Measured => s !== undefined);
  const hookedRatios = rounds.filter((r) => r.sso && r.ssoHooked).map((r) => (r.ssoHooked?.rps ?? 0) / (r.sso?.rps ?? 1));
  return { names, ratiosOf, bareRps, ssoRatios, sso, hookedRatios };
}

/** The table: the baseline, each measured path, and the SSO path. */
function printTable(rounds: Round[], { names, ratiosOf, bareRps, sso }: Summary): void {
  console.log(
    `\nTessera benchmark — ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} — ${rounds.length} rounds of ${SLICE_SECONDS} s slices, median shown, main threads ${PINNED ? 'pinned (load generator CPU 0, servers CPU 1)' : 'not pinned'}`,
  );
  console.log(
    'name'.padEnd(48) +
      'req/s'.padStart(9) +
      'p99 ms'.padStart(8) +
      'vs baseline'.padStart(13) +
      '   per round'.padEnd(46) +
      'errors'.padStart(7) +
      'server µs/req (user+sys)'.padStart(26),
  );
  const bareErrors = rounds.reduce((n, r) => n + r.bare.reduce((k, b) => k + b.errors + b.non2xx, 0), 0);
  console.log(
    'bare Koa {} (baseline)'.padEnd(48) +
      median(bareRps).toFixed(0).padStart(9) +
      String(median(rounds.flatMap((r) => r.bare.map((b) => b.p99)))).padStart(8) +
      '100.0 %'.padStart(13) +
      `   ${bareRps.length} loads, ${Math.min(...bareRps).toFixed(0)}–${Math.max(...bareRps).toFixed(0)} req/s`.padEnd(46) +
      String(bareErrors).padStart(7) +
      cpuOf(rounds.flatMap((r) => r.bare)).padStart(26),
  );
  for (const name of names) {
    const per = rounds.map((r) => r.measured.find((x) => x.name === name));
    const ratios = ratiosOf(name);
    const errors = per.reduce((n, m) => n + (m ? m.errors + m.non2xx : 0), 0);
    console.log(
      name.padEnd(48) +
        median(per.map((m) => m?.rps ?? 0))
          .toFixed(0)
          .padStart(9) +
        String(median(per.map((m) => m?.p99 ?? 0))).padStart(8) +
        pct(median(ratios)).padStart(13) +
        `   ${ratios.map(pct).join(', ')}`.padEnd(46) +
        String(errors).padStart(7) +
        cpuOf(per).padStart(26),
    );
  }
  if (sso.length) {
    const ssoErrors = sso.reduce((n, s) => n + s.errors + s.non2xx, 0);
    console.log(
      (sso[0]?.name ?? 'SSO').padEnd(48) +
        median(sso.map((s) => s.rps))
          .toFixed(0)
          .padStart(9) +
        String(median(sso.map((s) => s.p99))).padStart(8) +
        '(see below)'.padStart(13) +
        ''.padEnd(46) +
        String(ssoErrors).padStart(7) +
        cpuOf(sso).padStart(26),
    );
  }
}

/** The lines under the table: the signing ceilings, start-up and the sign-in writes. */
function printNotes({ rounds, inProcess, startup, webhookDeliveries }: Measurements, { ssoRatios, hookedRatios }: Summary): void {
  const { built, builtEncrypted, builtRsa, writes } = inProcess;
  if (ssoRatios.length) {
    const rsa = median(rounds.map((r) => r.rsa));
    console.log(`\ncrypto.sign RSA-2048 SHA-256 (KeyObject), on the server's core around each SSO load: ${rsa.toFixed(0)} signatures/s (median)`);
    console.log(
      `SSO signing efficiency, whole HTTP sign-in (Responses/s × 2 ÷ signatures/s): ${pct(median(ssoRatios))} (rounds: ${ssoRatios.map(pct).join(', ')})`,
    );
  }
  const hookedRps = median(rounds.flatMap((r) => (r.ssoHooked ? [r.ssoHooked.rps] : [])));
  if (hookedRatios.length) {
    console.log(
      `SSO with a webhook on "*": ${hookedRps.toFixed(0)} Responses/s, ${pct(median(hookedRatios))} of the same round's SSO without (rounds: ${hookedRatios.map(pct).join(', ')}); ${webhookDeliveries} deliveries received`,
    );
  }
  console.log(`Response building alone (in process): ${built.toFixed(0)} Responses/s × 2 ÷ ${builtRsa.toFixed(0)} = ${pct((built * 2) / builtRsa)}`);
  console.log(
    `Encrypted Response building (aes256-gcm, in process): ${builtEncrypted.toFixed(0)} Responses/s × 2 ÷ ${builtRsa.toFixed(0)} = ${pct((builtEncrypted * 2) / builtRsa)}`,
  );
  console.log(
    `Start-up (${startup.compiled ? 'node dist/src/main.js' : 'tsx src/main.ts'}): ${startup.ms.toFixed(0)} ms to /healthz; RSS ${startup.idleRss.toFixed(0)} MiB idle after start, ${startup.loadedRss.toFixed(0)} MiB at most after a round of load`,
  );
  console.log(
    `Recording one sign-in alone (5 statements, one transaction): ${writes.prisma.toFixed(0)} µs through Prisma's client, ${writes.direct.toFixed(0)} µs on the direct SQLite connection`,
  );
}

function writeResults({ rounds, inProcess, startup }: Measurements, { names, ratiosOf, bareRps, ssoRatios, sso, hookedRatios }: Summary): void {
  const { built, builtEncrypted, builtRsa, writes } = inProcess;
  writeFileSync(
    join(root, 'bench', 'results.json'),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        cpus: cpus().length,
        model: cpus()[0]?.model,
        rounds: rounds.length,
        slice_seconds: SLICE_SECONDS,
        pinned: PINNED,
        sso_signing_efficiency: median(ssoRatios),
        sso_signing_efficiency_per_round: ssoRatios,
        responses_built_per_second: built,
        build_signing_efficiency: (built * 2) / builtRsa,
        responses_built_per_second_encrypted: builtEncrypted,
        build_signing_efficiency_encrypted: (builtEncrypted * 2) / builtRsa,
        sign_in_write_micros: writes,
        startup,
        baseline_rps: bareRps,
        results: names.map((name) => ({
          name,
          ratio_to_baseline: median(ratiosOf(name)),
          per_round: rounds.map((r) => r.measured.find((x) => x.name === name)),
        })),
        sso_per_round: sso,
        sso_webhook_ratio_to_sso: median(hookedRatios),
        sso_webhook_ratio_to_sso_per_round: hookedRatios,
        sso_webhook_per_round: rounds.map((r) => r.ssoHooked),
        rsa_signatures_per_second_per_round: rounds.map((r) => r.rsa),
      },
      null,
      2,
    ),
  );
}

/** A failed request makes every figure suspect: say so, and exit non-zero. */
function reportFailures(rounds: Round[]): void {
  if (rounds.some((r) => [...r.bare, ...r.measured, ...(r.sso ? [r.sso] : []), ...(r.ssoHooked ? [r.ssoHooked] : [])].some((m) => m.errors + m.non2xx > 0))) {
    console.error('some requests failed: the figures above are not valid');
    process.exitCode = 1;
  }
}

async function main(): Promise<void> {
  pinMainThread(process.pid, LOAD_CPU);
  const measurements = await measure();
  const summary = summarize(measurements.rounds);
  printTable(measurements.rounds, summary);
  printNotes(measurements, summary);
  writeResults(measurements, summary);
  reportRedirect(measurements.rounds);
  reportFailures(measurements.rounds);
}

await main();
