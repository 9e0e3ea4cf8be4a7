// What other folders may use of the services capability.
export { serviceRoutes } from './routes.ts';
export { CreateService, SERVICE_TYPES, UpdateService } from './schemas.ts';
