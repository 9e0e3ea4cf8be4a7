// The audit log and sign-in activity (docs/api.md, Audit log and Sign-in activity). Other folders
// import only from here.
export { actorOf, jobActor, recordAudit, setsNothing, systemActor, type Actor } from './record.ts';
export { AUDIT_ACTIONS, ACTION_NAMES, type AuditAction } from './actions.ts';
export { auditRoutes } from './routes.ts';
export { AuditFilter, SignInFilter } from './schemas.ts';
export { SIGN_IN_REASONS, type SignInReason } from './reasons.ts';
export { ActivityPruner, pruneActivity } from './retention.ts';
