// What other folders may use of the organizations capability.
export { organizationRoutes, invitationRoutes } from './routes.ts';
export { AcceptInvitation, CreateInvitation, CreateOrg, RESERVED_ORG_SLUGS, UpdateMember, UpdateOrg } from './schemas.ts';
export { presentOrganization } from './present.ts';
export { maxServicesFor, serviceUsage } from './usage.ts';
export { lockOrganization } from './lock.ts';
