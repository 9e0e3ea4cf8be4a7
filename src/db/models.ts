// Row types of the generated client, in one place (the client itself is generated into
// generated/prisma/ by `npm run generate`; both dialects share these shapes).
export type { ApiKey, Organization, Plan, SamlConfig, Service, User } from '../../generated/prisma/sqlite/client.ts';
