// npm run build, after tsc: joins the server's compiled modules (dist/src/, with the generated Prisma
// clients under dist/generated/) and the plain-JavaScript packages they load at start-up into one
// file, dist/main.js, which `npm start` runs. Node's module loader spends a large share of start-up
// per module (resolving, reading package.json files, linking, scanning CommonJS exports): one file for
// Tessera's ~230 modules cut the CPU to listening by about a quarter, and taking koa, zod, samlify
// and the other pure-JS packages in too cut another ~95 ms (docs/benchmarks.md, Third pass).
// tsc still checks everything; this only joins its output. The dependency floor applies to what is
// installed, and `npm install` rebuilds this file, so the two never differ.
import { build } from 'esbuild';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/** Packages loaded from node_modules at run time, as unbundled, each for the reason beside it. */
const external = [
  // Native addons.
  'better-sqlite3',
  'argon2',
  // WebAssembly: libxml2-wasm instantiates its module with a top-level await; Prisma's clients and
  // adapters carry their query compiler.
  'libxml2-wasm',
  '@prisma/*',
  // Loaded on first use (src/lazy.ts) or only when configured: not parsed at start-up.
  'jose',
  'node-forge',
  'nodemailer',
  '@simplewebauthn/*',
  'pg',
  'ioredis',
  // Read by file path at run time (schemas, Swagger UI's assets) or started as worker threads (pino's transports).
  '@authenio/samlify-xsd-schema-validator',
  'swagger-ui-dist',
  'pino',
];

// The webhook sender thread's entry (src/webhooks/sender.ts starts it) is bundled beside main.js,
// where main.js's code looks for it: dist/sender-thread.js. main.js is written last: its time is what
// says the bundle is up to date (test/helpers/server-build.ts).
const entries = [
  ['sender-thread.js', join('src', 'webhooks', 'sender-thread.js')],
  ['main.js', join('src', 'main.js')],
];

for (const [out, entry] of entries) {
  await build({
    entryPoints: [join(root, 'dist', entry)],
    outfile: join(root, 'dist', out),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external,
    // CommonJS packages inside an ES module bundle still call require (for Node's own modules).
    banner: { js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);" },
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}
