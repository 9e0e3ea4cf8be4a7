// Generates both Prisma clients (SQLite and PostgreSQL) from the one schema in prisma/schema.prisma,
// into generated/prisma/{sqlite,postgres} (out of git; `npm run build` compiles it beside src/ into
// dist/generated/ and dist/src/).
// The Prisma CLI wants a native schema engine it would download; generation does not use it, so an
// empty stand-in file satisfies the check (see docs/architecture.md, "Facts learned on these machines").
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'prisma', 'schema.prisma');
const outDir = join(root, 'prisma', '.generated');
mkdirSync(outDir, { recursive: true });

export function postgresSchema(text) {
  return text.replace('provider = "sqlite"', 'provider = "postgresql"').replace('"../generated/prisma/sqlite"', '"../../generated/prisma/postgres"');
}

const schemaText = readFileSync(source, 'utf8');
writeFileSync(join(outDir, 'schema.postgres.prisma'), postgresSchema(schemaText));

const stub = join(outDir, 'schema-engine-stub');
if (!existsSync(stub)) writeFileSync(stub, '');
const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: stub, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
const cli = join(root, 'node_modules', 'prisma', 'build', 'index.js');
for (const schema of [source, join(outDir, 'schema.postgres.prisma')]) {
  execFileSync(process.execPath, [cli, 'generate', '--schema', schema], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
}
console.log('tessera: generated Prisma clients for sqlite and postgresql');
