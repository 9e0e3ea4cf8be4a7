// Row types of the generated client, in one place (the client itself is generated into
// generated/prisma/ by `npm run generate`; both dialects share these shapes).
export type { ApiKey, AuditEvent, Organization, Plan, SamlConfig, Service, SignIn, User } from '../../generated/prisma/sqlite/client.ts';
