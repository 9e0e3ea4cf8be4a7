// npm run bench — measures, in one run on this machine, a bare Koa baseline and Tessera's hot paths,
// and prints each as a ratio to the baseline. Results go to bench/results.json.
//   Service API: GET /api/service/info, GET /api/service/users?limit=50 and
//   GET /api/service/subscriptions?limit=50 (10 000 users seeded, each with a subscription).
//   SSO: POST /saml/…/sso for a signed-in user, against crypto.sign RSA-2048 in the same round, in the
//   variants of variants.ts: password-only session, session that passed TOTP (signed in over the hosted
//   pages), Assertion encrypted, and a webhook on "*" (a ratio to the SSO run of the same round).
//   Memory: each server's RSS after start and at the end, Tessera's per round, a leak check (memory.ts).
// The printing and results.json are in report.ts.
//
// The machine is shared and its speed drifts by tens of percent within a minute, so every figure is
// measured in ROUNDS, and within a round each path is measured between two baseline loads (bare,
// path, bare, next path, bare, …; the RSA ceiling right before and after the SSO loads). Each ratio is
// the path against the mean of the two baselines around it, and the median round is reported. A ratio
// is therefore never a fast baseline divided by a slow target or the reverse.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.ts';
import { LOAD_CPU, load, onServerCore, pinMainThread, commandFor, rssMiB, startChild, stopChild, type LoadOptions, type Measured } from './lib.ts';
import { MemoryLog } from './memory.ts';
import {
  printNotes,
  printTable,
  reportFailures,
  summarize,
  writeResults,
  type InProcess,
  type Measurements,
  type Paired,
  type Round,
  type Startup,
} from './report.ts';
import { ENCRYPTION_KEY, SECRET, USERS, KEYS, seed, type Seeded } from './seed.ts';
import { ssoLoadFor, responsesPerSecond, rsaSignaturesPerSecond, signInWriteMicros, startWebhookReceiver, spEncryptionCertificate } from './sso.ts';
import { LOAD_ORDER, SSO_VARIANTS, sessionsFor, type VariantKey } from './variants.ts';
import { measureRedirect, reportRedirect, ssoRedirectLoadFor } from './sso-redirect.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SLICE_SECONDS = Number(process.env.BENCH_SLICE ?? 3);
// BENCH_ONLY=info,info-public,users,subscriptions,healthz and the SSO variants' keys (sso, sso-mfa,
// sso-encrypted, sso-webhook), and sso-redirect (the plain variant over the HTTP-Redirect binding, with
// sso) limits the run (for profiling one path at a time).
const only = process.env.BENCH_ONLY?.split(',');
const wanted = (name: string) => !only || only.includes(name);
const ssoWanted = SSO_VARIANTS.some((v) => wanted(v.key));

type Child = Awaited<ReturnType<typeof startChild>>;
interface Servers {
  bare: Child;
  tessera: Child;
  /** The same server on the public-API paths; only when BENCH_ONLY wants info-public. */
  tesseraPublic: Child | undefined;
  /** Tessera's PUBLIC_URL, the SSO path's origin. */
  publicUrl: string;
}
/** What every load sends: the rotating API-key headers, and each wanted SSO variant's URL and request. */
interface Workload {
  headerSets: Record<string, string>[];
  sso: { key: VariantKey; label: string; url: string; load: LoadOptions }[];
  /** The plain variant over the HTTP-Redirect binding, when wanted. */
  redirect: { url: string; load: LoadOptions } | undefined;
  /** Resolves once the webhook receiver stopped receiving (the deliveries of a load drained); false if it did not within 5 s. */
  drained: () => Promise<boolean>;
}

async function measureInProcess(dir: string): Promise<InProcess> {
  const builtRsa = rsaSignaturesPerSecond();
  const built = await responsesPerSecond();
  const builtEncrypted = await responsesPerSecond(2000, await spEncryptionCertificate());
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

async function warmUp({ bare, tessera, tesseraPublic }: Servers, { headerSets, sso, redirect, drained }: Workload): Promise<void> {
  await load('warm-up', bare.url, { duration: 1, headerSets });
  // Warm-up loads every key into the cache (as a long-running server has them) and runs the SSO paths
  // (each only when a measured path needs it: keys loaded in the warm-up expire during the rounds).
  if (['healthz', 'info', 'users', 'subscriptions'].some(wanted))
    await load('warm-up', `${tessera.url}/api/service/info`, { amount: headerSets.length * 10, headerSets });
  if (tesseraPublic) await load('warm-up', `${tesseraPublic.url}/api/service/info`, { amount: headerSets.length * 10, headerSets });
  for (const v of sso) await load('warm-up', v.url, { duration: 2, ...v.load });
  if (redirect) await load('warm-up', redirect.url, { duration: 2, ...redirect.load });
  // The webhook variant's deliveries, before the first round's loads.
  if (sso.some((v) => v.key === 'sso-webhook')) await drained();
}

/** One round: bare, path, bare, next path, bare, …; then the RSA ceiling around the SSO variants' loads. */
async function measureRound({ bare, tessera, tesseraPublic }: Servers, { headerSets, sso, redirect, drained }: Workload): Promise<Omit<Round, 'rss'>> {
  const slice = { headerSets, duration: SLICE_SECONDS };
  const barePid = { pid: bare.child.pid ?? 0 };
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
  // The Redirect binding between its own ceilings (sso-redirect.ts), right before the POST variants.
  const ssoRedirect = redirect ? await measureRedirect(redirect.url, { ...redirect.load, pid: tessera.child.pid ?? 0 }) : undefined;
  if (!sso.length) return { bare: bareRuns, measured, rsa: 0, sso: {}, ssoRedirect };
  // The signature ceiling on the server's core, right before and after the SSO loads.
  const rsaBefore = onServerCore(() => rsaSignaturesPerSecond(1500));
  const ssoRuns: Round['sso'] = {};
  const pid = tessera.child.pid ?? 0;
  for (const v of sso) ssoRuns[v.key] = await load(v.label, v.url, { ...v.load, pid });
  // The webhook variant's other side: the plain SSO again, once the last deliveries are made (so they
  // are not counted against it).
  const plain = sso.find((v) => v.key === 'sso');
  let ssoAgain: Measured | undefined;
  let undrained = false;
  if (plain && ssoRuns['sso-webhook']) {
    undrained = !(await drained());
    ssoAgain = await load(plain.label, plain.url, { ...plain.load, pid });
  }
  const rsa = (rsaBefore + onServerCore(() => rsaSignaturesPerSecond(1500))) / 2;
  return { bare: bareRuns, measured, rsa, sso: ssoRuns, ssoAgain, undrained, ssoRedirect };
}

/** Starts the servers on the seeded database, measures start-up, warms up and runs the rounds, and stops the servers. */
async function measureServers(
  databaseUrl: string,
  seeded: Seeded,
  drained: () => Promise<boolean>,
): Promise<Pick<Measurements, 'rounds' | 'startup' | 'memory'>> {
  // Every load, baseline included, sends the same pre-built requests (rotating keys), so the load
  // generator's own cost is the same on both sides of each ratio.
  const headerSets = seeded.keys.map((k) => ({ 'x-api-key': k }));
  const servers = await startServers(databaseUrl);
  const memory = new MemoryLog({ bare: servers.bare.child.pid, tessera: servers.tessera.child.pid });
  try {
    const { ms, idleRss, compiled } = await measureStartup(servers.tessera);
    memory.started();
    // Sessions come after the start-up figures: the MFA one signs in over HTTP (variants.ts).
    const cookies = ssoWanted ? await sessionsFor(servers.publicUrl, seeded.variants, wanted) : new Map<VariantKey, string>();
    const sso = LOAD_ORDER.flatMap((key) => SSO_VARIANTS.filter((v) => v.key === key && cookies.has(v.key))).map((v) => {
      const url = servers.publicUrl + seeded.variants[v.key].ssoPath;
      return { key: v.key, label: v.label, url, load: ssoLoadFor(url, cookies.get(v.key) ?? '') };
    });
    const plain = sso.find((v) => v.key === 'sso');
    const redirect = plain && wanted('sso-redirect') ? { url: plain.url, load: ssoRedirectLoadFor(plain.url, cookies.get('sso') ?? '') } : undefined;
    const workload = { headerSets, sso, redirect, drained };
    await warmUp(servers, workload);
    const rounds: Round[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      console.log(`round ${String(r)} of ${String(ROUNDS)} …`);
      const round = await measureRound(servers, workload);
      rounds.push({ ...round, rss: memory.roundDone() });
    }
    const loadedRss = Math.max(0, ...rounds.map((r) => r.rss));
    return { rounds, startup: { ms, idleRss, loadedRss, compiled }, memory: memory.ended() };
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
    console.log(`seeding ${String(USERS)} users (each with a subscription) and ${String(KEYS)} keys …`);
    const seeded = await seed(databaseUrl, receiver.url);
    loadConfig({ DATABASE_URL: databaseUrl, TESSERA_SECRET: SECRET }); // fail fast on a bad bench config
    const servers = await measureServers(databaseUrl, seeded, receiver.drained);
    return { inProcess, ...servers, sliceSeconds: SLICE_SECONDS, webhookDeliveries: receiver.hits() };
  } finally {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  pinMainThread(process.pid, LOAD_CPU);
  const measurements = await measure();
  const summary = summarize(measurements.rounds);
  printTable(measurements, summary);
  printNotes(measurements, summary);
  writeResults(measurements, summary);
  reportRedirect(measurements.rounds);
  reportFailures(measurements.rounds);
}

await main();
