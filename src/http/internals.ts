// Two hot paths read another library's private state, because its public API costs more than the
// request itself (figures in docs/benchmarks.md):
// - request-records.ts writes the access line from pino's own level prefix, time function, bindings
//   and destination (pino.symbols), instead of `logger.info(record, 'request')`;
// - route-table.ts serves parameterless routes from chains composed once, setting on the context the
//   fields @koa/router's own dispatch sets (matched, captures, routerPath, _matchedRoute, …).
// Both are written against exact versions. At start-up the installed versions are compared with
// those; any other version (or TESSERA_FAST_PATHS=off) runs the public paths instead: pino's
// logger.info and the router's routes(). Same behaviour, slower; never a crash on an upgrade.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const WRITTEN_FOR = { pino: '10.4.0', '@koa/router': '15.7.0' } as const;

export interface FastPaths {
  /** The access line written from pino's internals (request-records.ts). */
  accessLines: boolean;
  /** Parameterless routes served from precomposed chains (route-table.ts). */
  routeTable: boolean;
  /** Why a fast path is off, for a start-up warning; empty when both are on or turned off on purpose. */
  warnings: string[];
}

/**
 * The version in the package's own package.json, found above its entry point (@koa/router's `exports`
 * do not expose `package.json` itself).
 */
function installedVersion(pkg: string): string | undefined {
  try {
    let dir = dirname(createRequire(import.meta.url).resolve(pkg));
    for (;;) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
        if (json.name === pkg) return typeof json.version === 'string' ? json.version : undefined;
      }
      if (dirname(dir) === dir) return undefined;
      dir = dirname(dir);
    }
  } catch {
    return undefined;
  }
}

/** Which fast paths may run: `installed` is read from node_modules unless a test passes its own. */
export function fastPaths(setting: 'auto' | 'off', installed: (pkg: string) => string | undefined = installedVersion): FastPaths {
  if (setting === 'off') return { accessLines: false, routeTable: false, warnings: [] };
  const warnings: string[] = [];
  const matches = (pkg: keyof typeof WRITTEN_FOR): boolean => {
    const found = installed(pkg);
    if (found === WRITTEN_FOR[pkg]) return true;
    warnings.push(
      `${pkg} ${found ?? '(not found)'} is installed, the fast path reading its internals was written for ${WRITTEN_FOR[pkg]}: using its public API instead`,
    );
    return false;
  };
  return { accessLines: matches('pino'), routeTable: matches('@koa/router'), warnings };
}
