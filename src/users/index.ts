// What other folders may use of the user directory capability.
export { userDirectoryRoutes } from './routes.ts';
export { passwordPageRoutes } from './password-page.ts';
export { CreateUser, EmailFilter, UpdateUser } from './schemas.ts';
export { createPasswordLink } from './password-links.ts';
