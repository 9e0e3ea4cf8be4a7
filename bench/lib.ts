// Shared benchmark plumbing: child-process servers, autocannon runs, result formatting.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import autocannon from 'autocannon';

export const root = join(import.meta.dirname, '..');

export interface Measured {
  name: string;
  rps: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** The server's CPU time per request (µs, user and kernel), when its pid was given. */
  cpu?: { user: number; sys: number };
  /**
   * The part of `cpu` spent on the server's main thread (µs per request, user and kernel): the thread
   * that answers, pinned to its core, so the one that bounds req/s. The rest is helper threads (the
   * webhook sender thread, GC, libuv's pool).
   */
  mainCpu?: number;
}

/**
 * utime and stime of a process and its live children (TESSERA_WORKERS' workers) in µs, from /proc
 * (Linux only; undefined elsewhere).
 */
function cpuTimes(pid: number): { user: number; sys: number } | undefined {
  const own = processCpu(pid);
  if (!own) return undefined;
  for (const child of childPids(pid)) {
    const c = processCpu(child);
    if (c) {
      own.user += c.user;
      own.sys += c.sys;
    }
  }
  return own;
}

/** The live child processes of a process (its main thread's children), from /proc. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function processCpu(pid: number, thread?: number): { user: number; sys: number } | undefined {
  try {
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const tick = 1e6 / 100; // USER_HZ is 100 on Linux
    return { user: Number(fields[11]) * tick, sys: Number(fields[12]) * tick };
  } catch {
    return undefined;
  }
}

/**
 * The load generator's main thread runs on CPU 0 and each server's main thread on CPU 1
 * (BENCH_PIN=0 turns this off). Unpinned, the scheduler now and then puts the server and autocannon on
 * one core for a while, and a round's ratio swings by 20 points with it; pinned, both sides of every
 * ratio run under the same conditions. Helper threads (GC, libuv pool) stay unpinned: a child starts
 * on every core (unpinnedCommand), since it would otherwise inherit this process's CPU 0, and only its
 * main thread is moved once it answers.
 */
export const PINNED = process.env.BENCH_PIN !== '0';
/** Read when this module loads, before main() pins this process (availableParallelism follows the pinning). */
const ALL_CPUS = Math.max(1, availableParallelism());
/** Without taskset (macOS, minimal images) nothing is pinned and children start as they are. */
const TASKSET = spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;

/**
 * The command line that starts a child on all of the machine's cores. Until 2026-12-05 (22:30) children
 * inherited the load generator's pinning, so each server started, and ran its helper threads, on
 * CPU 0 alone: start-up measured ~1.1 s where an unpinned start takes ~0.7 s.
 */
function unpinnedCommand(args: string[]): [string, string[]] {
  return PINNED && TASKSET ? ['taskset', ['-c', `0-${String(ALL_CPUS - 1)}`, process.execPath, ...args]] : [process.execPath, args];
}
export function pinMainThread(pid: number, cpu: number): void {
  if (PINNED) spawnSync('taskset', ['-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

/** The servers' core (see pinMainThread). */
export const SERVER_CPU = 1;
/** The load generator's core. */
export const LOAD_CPU = 0;

/**
 * Runs a CPU-bound measurement in this process on the servers' core, then moves back: a ceiling that a
 * server's rate is divided by must be measured where that server runs (on this VM one core at times
 * runs much slower than the other).
 */
export function onServerCore<T>(measure: () => T): T {
  pinMainThread(process.pid, SERVER_CPU);
  try {
    return measure();
  } finally {
    pinMainThread(process.pid, LOAD_CPU);
  }
}

/** Resident memory of a process in MiB (Linux /proc), 0 where it cannot be read. */
export function rssMiB(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid ?? 0}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * How a script is run: Tessera's server as production runs it (`node dist/main.js`, built by `npm
 * install`) unless BENCH_SOURCE=1 asks for the TypeScript sources through tsx; bench scripts always
 * through tsx.
 */
export function commandFor(script: string): string[] {
  const compiled = join(root, 'dist', 'main.js');
  if (script === 'src/main.ts' && process.env.BENCH_SOURCE !== '1' && existsSync(compiled)) return [compiled];
  return ['--import', 'tsx', script];
}

export async function startChild(script: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string; startMs: number }> {
  // BENCH_PROFILE=dir writes a V8 CPU profile of each server to that folder; BENCH_NODE_FLAGS adds
  // Node flags to both servers (e.g. --trace-gc).
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  // The server logs to a file, as in production (a collector or journald), not to a pipe this process
  // would have to drain while it is busy generating load.
  const logFd = openSync(join(tmpdir(), `tessera-bench-${process.pid}-${script.replace(/\W+/g, '_')}.log`), 'w');
  const extra = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const started = performance.now();
  const [command, args] = unpinnedCommand([...extra, ...profile, ...commandFor(script)]);
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', script.includes('bare-koa') ? 'pipe' : logFd, 'inherit'],
  });
  child.once('exit', () => {
    closeSync(logFd);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      reject(new Error(`${script} did not start`));
    }, 60_000);
    const ready = (u: string) => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve(u);
    };
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /LISTENING (\d+)/.exec(buf);
      if (m) ready(`http://127.0.0.1:${m[1]}`);
    });
    // Tessera (fixed PORT) is ready when /healthz answers.
    const poll = setInterval(() => {
      if (!env.PORT || env.PORT === '0') return;
      fetch(`http://127.0.0.1:${env.PORT}/healthz`).then(
        (r) => {
          if (r.ok) ready(`http://127.0.0.1:${env.PORT}`);
        },
        () => undefined,
      );
    }, 25);
    child.once('exit', (code) => {
      clearInterval(poll);
      reject(new Error(`${script} exited with ${code}`));
    });
  });
  child.stdout?.resume();
  if (child.pid) pinMainThread(child.pid, SERVER_CPU);
  return { child, url, startMs: performance.now() - started };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

export interface LoadOptions {
  duration?: number;
  /** Total requests instead of a duration (e.g. to walk every pre-built request once per connection). */
  amount?: number;
  connections?: number;
  method?: 'GET' | 'POST';
  /** Pre-built header sets, cycled by every connection (serialised once: the client stays cheap). */
  headerSets?: Record<string, string>[];
  headers?: () => Record<string, string>;
  body?: () => string;
  /** A path (and query) per request, for GET requests that carry their message in the URL. */
  path?: () => string;
  /** The server's pid: its CPU time per request is reported too. */
  pid?: number;
}

export async function load(name: string, url: string, opts: LoadOptions = {}): Promise<Measured> {
  const instance = autocannon({
    url,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration ?? 5 }),
    connections: opts.connections ?? 10,
    ...(opts.method ? { method: opts.method } : {}),
    ...(opts.headerSets ? { requests: opts.headerSets.map((headers) => ({ headers })) } : {}),
    ...(!opts.headerSets && (opts.headers || opts.body || opts.path)
      ? {
          requests: [
            {
              setupRequest: (req: autocannon.Request) => ({
                ...req,
                headers: { ...req.headers, ...opts.headers?.() },
                ...(opts.body ? { body: opts.body() } : {}),
                ...(opts.path ? { path: opts.path() } : {}),
              }),
            },
          ],
        }
      : {}),
  });
  // The main thread's id is the process id.
  const mainThread = (pid: number) => processCpu(pid, pid);
  const before = opts.pid ? cpuTimes(opts.pid) : undefined;
  const mainBefore = opts.pid ? mainThread(opts.pid) : undefined;
  const result = await instance;
  const after = opts.pid ? cpuTimes(opts.pid) : undefined;
  const mainAfter = opts.pid ? mainThread(opts.pid) : undefined;
  const measured: Measured = { name, rps: result.requests.average, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
  const requests = result.requests.total;
  if (before && after && requests > 0) measured.cpu = { user: (after.user - before.user) / requests, sys: (after.sys - before.sys) / requests };
  if (mainBefore && mainAfter && requests > 0) measured.mainCpu = (mainAfter.user + mainAfter.sys - mainBefore.user - mainBefore.sys) / requests;
  return measured;
}
