// The project's root folder (the one holding package.json, prisma/ and certs-dev/), found by walking up
// from this file: the same code runs from src/config/ (tsx, tests), from dist/src/config/ (the CLI) and
// from dist/main.js (npm start, the bundle), which sit at different depths.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${start}: Tessera's files are incomplete`);
    dir = parent;
  }
  return dir;
}

export const projectRoot = findRoot(import.meta.dirname);
