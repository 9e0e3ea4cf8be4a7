// What `npm run bench` prints and writes to bench/results.json, from the rounds run.ts measured. Every
// figure is a same-round ratio (see run.ts); the median round is what the table shows.
import type { RedirectRound } from './sso-redirect.ts';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { PINNED, root, type Measured } from './lib.ts';
import { describeMemory, leakCheck, type Memory } from './memory.ts';
import { SSO_VARIANTS, type VariantKey } from './variants.ts';

export interface Paired extends Measured {
  baseline: number;
}
export interface Round {
  bare: Measured[];
  measured: Paired[];
  /** RSA-2048 signatures/s on the server's core, the mean of right before and right after the SSO loads. */
  rsa: number;
  /** Each SSO variant's load this round (those BENCH_ONLY wanted). */
  sso: Partial<Record<VariantKey, Measured>>;
  /**
   * The plain SSO loaded again after the webhook variant, once its deliveries drained: with `sso.sso`
   * (loaded right before the webhook variant) the two sides of the webhook's bracket (run.ts).
   */
  ssoAgain?: Measured | undefined;
  /** The webhook variant's deliveries were still arriving 5 s after its load (they then ran into the second side). */
  undrained?: boolean;
  /** Tessera's RSS after the round, MiB. */
  rss: number;
  /** The HTTP-Redirect binding's load and its ceilings (sso-redirect.ts), when wanted. */
  ssoRedirect?: RedirectRound | undefined;
}
/** The in-process ceilings, measured before any server starts. */
export interface InProcess {
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
export interface Startup {
  ms: number;
  idleRss: number;
  loadedRss: number;
  compiled: boolean;
}
export interface Measurements {
  inProcess: InProcess;
  rounds: Round[];
  startup: Startup;
  memory: Memory;
  sliceSeconds: number;
  /** Deliveries the webhook receiver got over the whole run (warm-up included). */
  webhookDeliveries: number;
}

/** One SSO variant over the rounds: its loads and its signing efficiency (Responses/s × 2 ÷ signatures/s) per round. */
interface VariantFigures {
  key: VariantKey;
  runs: Measured[];
  efficiency: number[];
}
/** The figures the report and results.json are made of. */
export interface Summary {
  /** The measured paths, in order. */
  names: string[];
  /** A path's ratio to its baseline, per round. */
  ratiosOf: (name: string) => number[];
  bareRps: number[];
  variants: VariantFigures[];
  /** Per round, variant minus password-only SSO, in percentage points of the RSA limit. */
  mfaPoints: number[];
  /** Per round: Responses/s with a webhook on "*" ÷ Responses/s without (the mean of the plain loads around it). */
  hookedRatios: number[];
  /** Per round: the same as a difference in percentage points of the RSA limit (issue 16 item 5). */
  hookedPoints: number[];
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return ((s[(s.length - 1) >> 1] ?? 0) + (s[s.length >> 1] ?? 0)) / 2;
};
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
/** Median server CPU per request as "user+sys" µs, then its main thread's share in brackets. */
const cpuOf = (ms: (Measured | undefined)[]): string => {
  const c = ms.map((m) => m?.cpu).filter((x): x is { user: number; sys: number } => x !== undefined);
  const main = ms.flatMap((m) => (m?.mainCpu === undefined ? [] : [m.mainCpu]));
  const all = c.length ? `${median(c.map((x) => x.user)).toFixed(0)}+${median(c.map((x) => x.sys)).toFixed(0)}` : '–';
  return main.length ? `${all} (${median(main).toFixed(0)})` : all;
};

/**
 * Per round, variant `a` against the plain SSO `against` picks in that round (rounds where both ran):
 * its first load (loaded right after the TOTP variant), or, for the webhook variant, the mean of the
 * loads right before and after it.
 */
function paired(rounds: Round[], a: VariantKey, against: (r: Round) => Measured | undefined, f: (x: Measured, y: Measured, rsa: number) => number): number[] {
  return rounds.flatMap((r) => {
    const x = r.sso[a];
    const y = against(r);
    return x && y && r.rsa > 0 ? [f(x, y, r.rsa)] : [];
  });
}
const plainFirst = (r: Round) => r.sso.sso;
const plainAround = (r: Round) => (r.sso.sso && r.ssoAgain ? { ...r.sso.sso, rps: (r.sso.sso.rps + r.ssoAgain.rps) / 2 } : r.sso.sso);

export function summarize(rounds: Round[]): Summary {
  const names = rounds[0]?.measured.map((m) => m.name) ?? [];
  const ratiosOf = (name: string) =>
    rounds.map((r) => {
      const m = r.measured.find((x) => x.name === name);
      return m && m.baseline > 0 ? m.rps / m.baseline : 0;
    });
  const bareRps = rounds.flatMap((r) => r.bare.map((b) => b.rps));
  const variants = SSO_VARIANTS.map((v) => {
    const ran = rounds.filter((r) => r.sso[v.key]);
    return { key: v.key, runs: ran.flatMap((r) => r.sso[v.key] ?? []), efficiency: ran.map((r) => ((r.sso[v.key]?.rps ?? 0) * 2) / r.rsa) };
  }).filter((v) => v.runs.length > 0);
  const points = (x: Measured, y: Measured, rsa: number) => ((x.rps - y.rps) * 2 * 100) / rsa;
  const mfaPoints = paired(rounds, 'sso-mfa', plainFirst, points);
  const hookedRatios = paired(rounds, 'sso-webhook', plainAround, (x, y) => x.rps / y.rps);
  const hookedPoints = paired(rounds, 'sso-webhook', plainAround, points);
  return { names, ratiosOf, bareRps, variants, mfaPoints, hookedRatios, hookedPoints };
}

const row = (cells: [string, string, string, string, string, string, string]) =>
  cells[0].padEnd(48) +
  cells[1].padStart(9) +
  cells[2].padStart(8) +
  cells[3].padStart(13) +
  `   ${cells[4]}`.padEnd(46) +
  cells[5].padStart(7) +
  cells[6].padStart(40);
const failures = (ms: (Measured | undefined)[]) => String(ms.reduce((n, m) => n + (m ? m.errors + m.non2xx : 0), 0));

/** The table: the baseline, each measured path, and each SSO variant (their ratios are under the table). */
export function printTable({ rounds, sliceSeconds }: Measurements, { names, ratiosOf, bareRps, variants }: Summary): void {
  console.log(
    `\nTessera benchmark — ${new Date().toISOString()} — ${String(cpus().length)} × ${cpus()[0]?.model ?? 'cpu'} — ${String(rounds.length)} rounds of ${String(sliceSeconds)} s slices, median shown, main threads ${PINNED ? 'pinned (load generator CPU 0, servers CPU 1)' : 'not pinned'}`,
  );
  console.log(row(['name', 'req/s', 'p99 ms', 'vs baseline', 'per round', 'errors', 'server µs/req: user+sys (main thread)']));
  const bare = rounds.flatMap((r) => r.bare);
  const bareRange = `${String(bareRps.length)} loads, ${Math.min(...bareRps).toFixed(0)}–${Math.max(...bareRps).toFixed(0)} req/s`;
  console.log(
    row(['bare Koa {} (baseline)', median(bareRps).toFixed(0), String(median(bare.map((b) => b.p99))), '100.0 %', bareRange, failures(bare), cpuOf(bare)]),
  );
  for (const name of names) {
    const per = rounds.map((r) => r.measured.find((x) => x.name === name));
    const ratios = ratiosOf(name);
    const rps = median(per.map((m) => m?.rps ?? 0)).toFixed(0);
    console.log(row([name, rps, String(median(per.map((m) => m?.p99 ?? 0))), pct(median(ratios)), ratios.map(pct).join(', '), failures(per), cpuOf(per)]));
  }
  for (const v of variants) {
    const label = SSO_VARIANTS.find((x) => x.key === v.key)?.label ?? v.key;
    const rps = median(v.runs.map((s) => s.rps)).toFixed(0);
    console.log(row([label, rps, String(median(v.runs.map((s) => s.p99))), '(see below)', '', failures(v.runs), cpuOf(v.runs)]));
  }
}

/** The SSO variants' signing efficiency, each with its target, and the comparisons between them. */
function printSso(rounds: Round[], { variants, mfaPoints, hookedRatios, hookedPoints }: Summary, webhookDeliveries: number): void {
  if (!variants.length) return;
  console.log(
    `\ncrypto.sign RSA-2048 SHA-256 (KeyObject), on the server's core around the SSO loads: ${median(rounds.map((r) => r.rsa)).toFixed(0)} signatures/s (median)`,
  );
  console.log('SSO signing efficiency, whole HTTP sign-in (Responses/s × 2 ÷ signatures/s of the same round):');
  for (const v of variants) {
    const variant = SSO_VARIANTS.find((x) => x.key === v.key);
    console.log(
      `  ${(variant?.label ?? v.key).padEnd(48)} ${pct(median(v.efficiency)).padStart(7)}  (rounds: ${v.efficiency.map(pct).join(', ')})  — ${variant?.target ?? ''}`,
    );
  }
  const points = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
  if (mfaPoints.length) {
    const m = median(mfaPoints);
    console.log(
      `  TOTP session − password-only, same round: ${points(m)} points (rounds: ${mfaPoints.map(points).join(', ')}) → ${m >= -5 ? 'PASS' : 'FAIL'} (within 5 points)`,
    );
  }
  const encrypted = variants.find((v) => v.key === 'sso-encrypted');
  if (encrypted) console.log(`  encrypted SSO ≥ 30 %: ${median(encrypted.efficiency) >= 0.3 ? 'PASS' : 'FAIL'}`);
  if (hookedRatios.length) {
    const m = median(hookedPoints);
    console.log(
      `  webhook on "*" − without, same round: ${points(m)} points (rounds: ${hookedPoints.map(points).join(', ')}) → ${m >= -5 ? 'PASS' : 'FAIL'} (within 5 points; issue 16 item 5)`,
    );
    const undrained = rounds.filter((r) => r.undrained).length;
    console.log(
      `    as a ratio: ${pct(median(hookedRatios))} of the plain SSO loaded right before and after it (rounds: ${hookedRatios.map(pct).join(', ')}); ${String(webhookDeliveries)} deliveries received${undrained ? `; in ${String(undrained)} round(s) deliveries were still arriving 5 s after the load` : ''}`,
    );
  }
}

/** The lines under the table: the SSO variants, the in-process ceilings, start-up, memory and the sign-in writes. */
export function printNotes({ rounds, inProcess, startup, memory, webhookDeliveries }: Measurements, summary: Summary): void {
  const { built, builtEncrypted, builtRsa, writes } = inProcess;
  printSso(rounds, summary, webhookDeliveries);
  console.log(`Response building alone (in process): ${built.toFixed(0)} Responses/s × 2 ÷ ${builtRsa.toFixed(0)} = ${pct((built * 2) / builtRsa)}`);
  console.log(
    `Encrypted Response building (aes256-gcm, in process): ${builtEncrypted.toFixed(0)} Responses/s × 2 ÷ ${builtRsa.toFixed(0)} = ${pct((builtEncrypted * 2) / builtRsa)}`,
  );
  console.log(
    `Start-up (${startup.compiled ? 'node dist/main.js' : 'tsx src/main.ts'}): ${startup.ms.toFixed(0)} ms to /healthz; RSS ${startup.idleRss.toFixed(0)} MiB idle after start, ${startup.loadedRss.toFixed(0)} MiB at most after a round of load`,
  );
  for (const line of describeMemory(memory, leakCheck(memory))) console.log(line);
  console.log(
    `Recording one sign-in alone (its whole group commit: one transaction): ${writes.prisma.toFixed(0)} µs through Prisma's client, ${writes.direct.toFixed(0)} µs on the direct SQLite connection`,
  );
}

export function writeResults({ rounds, inProcess, startup, memory, sliceSeconds }: Measurements, summary: Summary): void {
  const { names, ratiosOf, bareRps, variants, mfaPoints, hookedRatios, hookedPoints } = summary;
  const { built, builtEncrypted, builtRsa, writes } = inProcess;
  const efficiency = (key: VariantKey) => variants.find((v) => v.key === key)?.efficiency ?? [];
  const results = {
    date: new Date().toISOString(),
    cpus: cpus().length,
    model: cpus()[0]?.model,
    rounds: rounds.length,
    slice_seconds: sliceSeconds,
    pinned: PINNED,
    sso_signing_efficiency: median(efficiency('sso')),
    sso_signing_efficiency_per_round: efficiency('sso'),
    sso_variants: Object.fromEntries(
      variants.map((v) => [v.key, { signing_efficiency: median(v.efficiency), signing_efficiency_per_round: v.efficiency, per_round: v.runs }]),
    ),
    sso_mfa_minus_password_points: median(mfaPoints),
    sso_mfa_minus_password_points_per_round: mfaPoints,
    responses_built_per_second: built,
    build_signing_efficiency: (built * 2) / builtRsa,
    responses_built_per_second_encrypted: builtEncrypted,
    build_signing_efficiency_encrypted: (builtEncrypted * 2) / builtRsa,
    sign_in_write_micros: writes,
    startup,
    memory_mib: memory,
    leak_check: leakCheck(memory) ?? null,
    baseline_rps: bareRps,
    results: names.map((name) => ({
      name,
      ratio_to_baseline: median(ratiosOf(name)),
      per_round: rounds.map((r) => r.measured.find((x) => x.name === name)),
    })),
    sso_per_round: rounds.map((r) => r.sso.sso),
    sso_webhook_ratio_to_sso: median(hookedRatios),
    sso_webhook_ratio_to_sso_per_round: hookedRatios,
    sso_webhook_minus_sso_points: median(hookedPoints),
    sso_webhook_minus_sso_points_per_round: hookedPoints,
    sso_again_per_round: rounds.map((r) => r.ssoAgain ?? null),
    rsa_signatures_per_second_per_round: rounds.map((r) => r.rsa),
  };
  writeFileSync(join(root, 'bench', 'results.json'), JSON.stringify(results, null, 2));
}

/** A failed request makes every figure suspect: say so, and exit non-zero. */
export function reportFailures(rounds: Round[]): void {
  if (rounds.some((r) => [...r.bare, ...r.measured, ...Object.values(r.sso), ...(r.ssoAgain ? [r.ssoAgain] : [])].some((m) => m.errors + m.non2xx > 0))) {
    console.error('some requests failed: the figures above are not valid');
    process.exitCode = 1;
  }
}
