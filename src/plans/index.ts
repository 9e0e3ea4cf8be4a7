// What other folders may use of the plans capability.
export { planRoutes } from './routes.ts';
export { CreatePlan, UpdatePlan } from './schemas.ts';
export { presentPlan } from './present.ts';
