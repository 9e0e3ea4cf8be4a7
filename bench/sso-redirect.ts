// The SSO path over the HTTP-Redirect binding (BENCH_ONLY=…,sso-redirect), next to two ceilings measured
// on the server's core right before and after its load: crypto.sign RSA-2048 (as for the HTTP-POST
// line) and `openssl speed rsa2048`'s sign/s, the figure an operator measures from outside.
//
// Each request is a GET with a fresh deflated AuthnRequest in the query string and the signed-in user's
// session cookie, as a browser sends it after an SP's redirect. run.ts measures it in every round after
// the other paths and right before the HTTP-POST SSO variants; this module prints its lines and adds its
// figures to results.json.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PINNED, SERVER_CPU, load, onServerCore, root, type LoadOptions, type Measured } from './lib.ts';
import { authnRequestQuery, rsaSignaturesPerSecond } from './sso.ts';

/** One round of the Redirect binding: the load and both ceilings (each the mean of before and after). */
export interface RedirectRound {
  measured: Measured;
  /** crypto.sign RSA-2048 SHA-256 signatures/s (KeyObject), as the HTTP-POST line's ceiling. */
  rsa: number;
  /** `openssl speed rsa2048` sign/s; 0 where openssl cannot be run. */
  openssl: number;
  /** CPU time (user + sys, µs) of one crypto.sign RSA-2048 signature, on the server's core. */
  rsaCpu: number;
}

/** The Redirect-binding load: GET …/sso?SAMLRequest=<deflated, base64>&RelayState=bench with the session cookie. */
export function ssoRedirectLoadFor(ssoUrl: string, cookie: string): LoadOptions {
  const path = new URL(ssoUrl).pathname;
  return { method: 'GET', headers: () => ({ cookie }), path: () => `${path}?${authnRequestQuery(ssoUrl)}` };
}

/**
 * `openssl speed rsa2048`'s private-key operations per second on the server's core (one second of
 * signing; OpenSSL 3.0 then spends another second on verification, which is not used). The machine
 * readable line is "+F2:<n>:2048:<sign/s>:<verify/s>". Without -elapsed, openssl divides by the user
 * CPU time it used: on a busy core this ceiling does not drop as wall-clock rates do (docs/benchmarks.md).
 */
export function opensslSignaturesPerSecond(): number {
  const argv = ['speed', '-mr', '-seconds', '1', 'rsa2048'];
  const r = PINNED
    ? spawnSync('taskset', ['-c', String(SERVER_CPU), 'openssl', ...argv], { encoding: 'utf8' })
    : spawnSync('openssl', argv, { encoding: 'utf8' });
  const m = /^\+F2:\d+:2048:([\d.]+):/m.exec(r.stdout || '');
  return m?.[1] ? Number(m[1]) : 0;
}

let key: KeyObject | undefined;
/**
 * CPU time per crypto.sign RSA-2048 signature, in µs. Signatures/s is a wall-clock rate: on a shared
 * core it also counts the time other processes ran, while the server's CPU per request does not, so
 * the CPU share below divides CPU time by CPU time.
 */
function rsaCpuMicros(signatures = 600): number {
  key ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const data = Buffer.alloc(512, 7);
  for (let i = 0; i < 20; i++) sign('sha256', data, key);
  const before = process.cpuUsage();
  for (let i = 0; i < signatures; i++) sign('sha256', data, key);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / signatures;
}

const ceilings = () => ({
  rsa: onServerCore(() => rsaSignaturesPerSecond(1500)),
  openssl: opensslSignaturesPerSecond(),
  rsaCpu: onServerCore(() => rsaCpuMicros()),
});

/** The Redirect-binding load between its two ceilings. */
export async function measureRedirect(ssoUrl: string, opts: LoadOptions): Promise<RedirectRound> {
  const before = ceilings();
  const measured = await load('GET /saml/…/sso (Redirect binding, 2 signatures)', ssoUrl, opts);
  const after = ceilings();
  const mean = (k: 'rsa' | 'openssl' | 'rsaCpu') => (before[k] + after[k]) / 2;
  return { measured, rsa: mean('rsa'), openssl: mean('openssl'), rsaCpu: mean('rsaCpu') };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return ((s[(s.length - 1) >> 1] ?? 0) + (s[s.length >> 1] ?? 0)) / 2;
};
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/**
 * The two signatures' share of the server's CPU per sign-in: 2 × CPU µs per signature ÷ (user + sys
 * CPU µs per request). Unlike Responses/s it does not depend on the load generator keeping the server
 * busy, which on a shared machine it does not always do; 0 when the CPU time was not read.
 */
export function cpuEfficiency(m: Measured | undefined, rsaCpuMicrosPerSignature: number): number {
  const cpu = m?.cpu ? m.cpu.user + m.cpu.sys : 0;
  return cpu > 0 ? (2 * rsaCpuMicrosPerSignature) / cpu : 0;
}

/** What run.ts's rounds hold that this report reads. */
interface RoundLike {
  /** The HTTP-POST variants' loads; `sso` is the plain one. */
  sso: Partial<Record<string, Measured>>;
  ssoRedirect?: RedirectRound | undefined;
}

/**
 * Prints the Redirect line and its efficiencies (also the HTTP-POST line's against the openssl ceiling
 * of the same round), adds them to bench/results.json, and fails the run on a failed request.
 */
export function reportRedirect(rounds: RoundLike[]): void {
  const per = rounds.flatMap((r) => (r.ssoRedirect ? [{ ...r.ssoRedirect, post: r.sso.sso }] : []));
  if (!per.length) return;
  const m = per.map((r) => r.measured);
  const vsSign = per.map((r) => (r.measured.rps * 2) / r.rsa);
  const vsOpenssl = per.map((r) => (r.openssl ? (r.measured.rps * 2) / r.openssl : 0));
  const postVsOpenssl = per.map((r) => (r.post && r.openssl ? (r.post.rps * 2) / r.openssl : 0));
  const cpuShare = per.map((r) => cpuEfficiency(r.measured, r.rsaCpu));
  const postCpuShare = per.map((r) => cpuEfficiency(r.post, r.rsaCpu));
  const signVsOpenssl = per.map((r) => (r.openssl ? r.rsa / r.openssl : 0));
  const cpu = m.map((x) => x.cpu).filter((c) => c !== undefined);
  const errors = m.reduce((n, x) => n + x.errors + x.non2xx, 0);
  console.log(
    `\n${m[0]?.name ?? 'Redirect'}: ${median(m.map((x) => x.rps)).toFixed(0)} Responses/s, p99 ${median(m.map((x) => x.p99))} ms, ` +
      `server ${median(cpu.map((c) => c.user)).toFixed(0)}+${median(cpu.map((c) => c.sys)).toFixed(0)} µs/req, ${errors} errors`,
  );
  console.log(
    `  ceilings on the server's core around it: crypto.sign ${median(per.map((r) => r.rsa)).toFixed(0)}/s, openssl speed rsa2048 ${median(per.map((r) => r.openssl)).toFixed(0)} sign/s (crypto.sign = ${pct(median(signVsOpenssl))} of openssl)`,
  );
  console.log(`  Redirect efficiency vs crypto.sign: ${pct(median(vsSign))} (rounds: ${vsSign.map(pct).join(', ')})`);
  console.log(`  Redirect efficiency vs openssl speed: ${pct(median(vsOpenssl))} (rounds: ${vsOpenssl.map(pct).join(', ')})`);
  console.log(`  HTTP-POST efficiency vs the same round's openssl speed: ${pct(median(postVsOpenssl))} (rounds: ${postVsOpenssl.map(pct).join(', ')})`);
  console.log(
    `  signatures' share of the server's CPU per sign-in (2 × ${median(per.map((r) => r.rsaCpu)).toFixed(0)} µs CPU per crypto.sign ÷ CPU per request): Redirect ${pct(median(cpuShare))} (rounds: ${cpuShare.map(pct).join(', ')}), ` +
      `HTTP-POST ${pct(median(postCpuShare))} (rounds: ${postCpuShare.map(pct).join(', ')})`,
  );
  const file = join(root, 'bench', 'results.json');
  const results = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  Object.assign(results, {
    sso_redirect_signing_efficiency: median(vsSign),
    sso_redirect_signing_efficiency_per_round: vsSign,
    sso_redirect_openssl_efficiency: median(vsOpenssl),
    sso_redirect_openssl_efficiency_per_round: vsOpenssl,
    sso_post_openssl_efficiency_per_round: postVsOpenssl,
    sso_redirect_cpu_share_per_round: cpuShare,
    sso_post_cpu_share_per_round: postCpuShare,
    sso_redirect_per_round: m,
    openssl_rsa_sign_per_second_per_round: per.map((r) => r.openssl),
    rsa_signatures_per_second_around_redirect_per_round: per.map((r) => r.rsa),
    rsa_cpu_micros_per_signature_per_round: per.map((r) => r.rsaCpu),
  });
  writeFileSync(file, JSON.stringify(results, null, 2));
  if (errors > 0) {
    console.error('some Redirect-binding requests failed: its figures are not valid');
    process.exitCode = 1;
  }
}
