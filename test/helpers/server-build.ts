// vitest globalSetup: the tests that start Tessera or its CLI as separate processes run the compiled
// JavaScript in dist/ (what `npm start` and `npx tessera` run: dist/main.js, the bundle of tsc's output,
// and dist/src/cli/), not the TypeScript sources through tsx: tsx loads and transforms the whole import
// graph at every start, several seconds per process on a loaded machine, and the CLI suite alone starts
// dozens. `npm install` builds dist/; this rebuilds it once per run when a source under src/ or
// generated/ is newer than the bundle. The bundle is written last, after tsc has finished: a build
// interrupted half-way leaves it older than the sources, so the next run builds again.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const BUILT = join(ROOT, 'dist', 'main.js');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

export default function setup(): void {
  // The build's own inputs count too: a changed bundler script, tsconfig or package.json rebuilds.
  const inputs = ['scripts/bundle.mjs', 'tsconfig.build.json', 'tsconfig.json', 'package.json'].map((f) => statSync(join(ROOT, f)).mtimeMs);
  const sources = Math.max(newest(join(ROOT, 'src')), newest(join(ROOT, 'generated')), ...inputs);
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= sources) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs')], { cwd: ROOT, stdio: 'inherit' });
}
