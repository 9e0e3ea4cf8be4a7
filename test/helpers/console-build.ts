// vitest globalSetup: the console suites test the built console (dist/console/, what the server serves).
// `npm install` builds it; this rebuilds it once per run when a source under console/ is newer.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';

const ROOT = join(import.meta.dirname, '..', '..');
const SOURCE = join(ROOT, 'console');
const BUILT = join(ROOT, 'dist', 'console', 'index.html');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

export default async function setup(): Promise<void> {
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= newest(SOURCE)) return;
  // vitest sets NODE_ENV=test, which would make this a development bundle (Preact's debug build): test
  // what `npm run build` ships.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root: SOURCE, configFile: join(SOURCE, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}
