// npm run build, after tsc: joins the server's compiled modules (dist/src/, with the generated Prisma
// clients under dist/generated/) into one file, dist/main.js, which `npm start` runs. Node's ES module
// loader spends a large share of start-up per module (resolving, reading, linking ~230 of Tessera's own);
// one file cut the CPU to listening by about a quarter (docs/benchmarks.md, start-up). Packages stay
// outside the bundle (`packages: 'external'`), loaded from node_modules as before: native addons,
// WebAssembly files and the libraries loaded on first use keep working as they do unbundled, and the
// dependency floor applies to what is installed. tsc still checks everything; this only joins its output.
import { build } from 'esbuild';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

await build({
  entryPoints: [join(root, 'dist', 'src', 'main.js')],
  outfile: join(root, 'dist', 'main.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
