// Row types of the generated client, in one place (the client itself is generated into
// src/db/.generated/ by `npm run generate`; both dialects share these shapes).
export type { ApiKey, Organization, Plan, SamlConfig, Service, User } from './.generated/client/sqlite/client.ts';
