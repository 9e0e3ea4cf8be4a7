// What other folders may use of the second-factor capability (CONTRACT §11).
export { secondFactorRoutes } from './sign-in-routes.ts';
export { accountRoutes } from './account-routes.ts';
export { webauthnAssetRoutes } from './assets.ts';
export { mfaSummaries, mfaSummary, removeAllFactors, type MfaSummary } from './factors.ts';
