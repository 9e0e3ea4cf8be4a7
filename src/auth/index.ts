// What other folders may use of admin authentication.
export { authRoutes } from './routes.ts';
export { LoginBody, RefreshBody, RegisterBody } from './schemas.ts';
export { accountId, requireAccount, signedIn } from './middleware.ts';
export { presentAccount } from './present.ts';
