// What other folders may use of the SAML configuration capability (the admin side of SAML; the
// protocol routes live in ../routes.ts and ../slo-routes.ts).
export { samlAdminRoutes } from './routes.ts';
export { CreateCertificate, payloadSchema } from './schemas.ts';
