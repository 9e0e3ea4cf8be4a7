// What other folders may use of admin authentication.
export { authRoutes } from './routes.ts';
export { ConfirmTotpBody, DisableTotpBody, LoginBody, LoginTotpBody, RefreshBody, RegisterBody, StartTotpBody } from './schemas.ts';
export { accountId, requireAccount, signedIn } from './middleware.ts';
export { presentAccount } from './present.ts';
export { removeAccountTotp } from './mfa-commands.ts';
