#!/usr/bin/env node
// The `tessera` command. It runs the compiled CLI in dist/ (built by `npm install` / `npm run build`);
// TESSERA_FROM_SOURCE=1 runs the TypeScript sources through tsx instead (tests, development), as does a
// checkout that has not been built yet.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/index.js', import.meta.url);
if (process.env.TESSERA_FROM_SOURCE !== '1' && existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/index.ts');
}
