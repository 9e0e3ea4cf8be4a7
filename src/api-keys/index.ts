// What other folders may use of the API keys capability.
export { apiKeyRoutes } from './routes.ts';
export { CreateApiKey, type CreateApiKeyInput } from './schemas.ts';
export { createApiKey } from './commands.ts';
export { PERMISSIONS, isPermission, type Permission } from './permissions.ts';
