// Shared benchmark plumbing: child-process servers, autocannon runs, result formatting.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';

export const root = join(import.meta.dirname, '..');

export interface Measured { name: string; rps: number; p99: number; errors: number; non2xx: number }

export async function startChild(script: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${script} did not start`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /LISTENING (\d+)/.exec(buf) ?? /"msg":"tessera is listening"/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] ? `http://127.0.0.1:${m[1]}` : `http://127.0.0.1:${env.PORT}`);
      }
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  child.stdout?.resume();
  return { child, url };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

export async function load(name: string, url: string, opts: { duration?: number; connections?: number; headers?: () => Record<string, string> } = {}): Promise<Measured> {
  const instance = autocannon({
    url,
    duration: opts.duration ?? 5,
    connections: opts.connections ?? 10,
    ...(opts.headers
      ? { requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, headers: { ...req.headers, ...opts.headers?.() } }) }] }
      : {}),
  });
  const result = await instance;
  return { name, rps: result.requests.average, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

export function ratio(x: number, base: number): string {
  return `${((x / base) * 100).toFixed(1)} %`;
}
