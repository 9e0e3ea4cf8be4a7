// Prisma CLI configuration. Tessera applies its own committed SQL migrations at start-up
// (src/db/migrate.ts), so the CLI is only used to generate the clients (npm run generate).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
});
