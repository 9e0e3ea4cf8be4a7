// What other folders may use of self-service password reset.
export { resetRoutes } from './routes.ts';
