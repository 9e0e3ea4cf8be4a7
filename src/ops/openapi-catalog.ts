// What each route takes and returns, keyed by "METHOD /koa/path" exactly as the router registers it.
// Request bodies are the schemas the routes themselves validate with (imported, never copied), so the
// document follows every change to them. Only bodies that no zod schema validates (HTML forms, SAML
// bindings) are described by documentation-only schemas here.
import { z } from 'zod';
import { RefreshBody, RegisterBody } from '../auth/index.ts';
import { AcceptInvitation, CreateInvitation, CreateOrg, UpdateMember, UpdateOrg } from '../organizations/index.ts';
import { CreateService, UpdateService } from '../services/index.ts';
import { CreatePlan, UpdatePlan } from '../plans/index.ts';
import { CreateApiKey } from '../api-keys/index.ts';
import { CreateUser as CreateServiceUser, StatusFilter, UpdateInfo, UpdateUser as UpdateServiceUser } from '../service-api/routes.ts';
import { CreateSubscription, UpdateSubscription } from '../service-api/subscriptions.ts';
import { CreateCertificate, payloadSchema } from '../saml/admin/index.ts';
import { HOSTED_PAGES } from './openapi-hosted.ts';
import * as S from './openapi-schemas.ts';
import { WEBHOOK_GROUP } from './openapi-webhooks.ts';
import { CONSOLE_GROUP, COOKIE_MODE } from './openapi-console.ts';
import { html, json, noContent, type OperationDoc, type RouteGroup } from './openapi-doc.ts';
import { AUDIT_GROUP } from './openapi-audit.ts';
import { HOSTED_MFA } from './openapi-hosted-mfa.ts';
import { DIRECTORY_GROUP } from './openapi-directory.ts';
import { ADMIN_TOTP_ROUTES, LOGIN_DOC } from './openapi-admin-totp.ts';

export type { OperationDoc, Reply, RouteGroup, Security } from './openapi-doc.ts';

const ORG = '/api/organizations/:org';
const SVC = `${ORG}/services/:service`;
const SAML = '/saml/:org/:service';

// Documentation-only: these bodies arrive as forms and are read field by field, not through zod.
const SamlPostBinding = z.object({ SAMLRequest: z.string().describe('Base64 AuthnRequest'), RelayState: z.string().max(80).optional() });
const SamlLogoutBinding = z.object({ SAMLRequest: z.string().optional(), SAMLResponse: z.string().optional(), RelayState: z.string().max(80).optional() });
const SignInForm = z.object({ state: z.string(), csrf: z.string(), email: z.string(), password: z.string() });
// The route keeps this schema inside its factory (not exportable without moving it); same shape.
const redirectQuery = {
  SAMLRequest: { schema: z.string(), description: 'Deflated, base64 AuthnRequest (HTTP-Redirect binding)' },
  RelayState: { schema: z.string().max(80).optional(), description: 'Echoed verbatim to the ACS' },
  SigAlg: { schema: z.string().optional(), description: 'Signature algorithm URI (signed requests)' },
  Signature: { schema: z.string().optional(), description: 'Base64 signature over the query (signed requests)' },
};

export const GROUPS: RouteGroup[] = [
  {
    tag: 'Admin accounts',
    description: 'Humans who run organizations (CONTRACT §1)',
    security: 'none',
    routes: {
      'POST /api/auth/register': {
        summary: 'Create an admin account',
        description: COOKIE_MODE,
        body: RegisterBody,
        ok: json(201, 'The account and a token pair (no refresh_token with refresh_cookie)', S.Registered),
        errors: [403, 409, 429],
      },
      'POST /api/auth/login': LOGIN_DOC,
      ...ADMIN_TOTP_ROUTES,
      'POST /api/auth/refresh': {
        summary: 'Rotate the refresh token',
        description: `${COOKIE_MODE} Without refresh_token in the body the refresh cookie is used.`,
        body: RefreshBody,
        bodyOptional: true,
        ok: json(200, 'A new token pair; the old refresh token is spent', S.TokenPair),
        errors: [401, 403],
      },
      'POST /api/auth/logout': {
        summary: 'End the session',
        description: 'Without refresh_token in the body the refresh cookie is used (Origin checked) and cleared.',
        body: RefreshBody,
        bodyOptional: true,
        ok: noContent("The session's tokens stop working at once"),
        errors: [403],
      },
      'GET /api/auth/me': {
        summary: 'The signed-in account, its organizations and its second factors',
        security: 'bearer',
        ok: json(200, 'Account and memberships', S.Me),
      },
    },
  },
  {
    tag: 'Organizations',
    description: 'Organizations, members and invitations (CONTRACT §2)',
    security: 'bearer',
    routes: {
      'POST /api/organizations': {
        summary: 'Create an organization (caller becomes owner)',
        body: CreateOrg,
        ok: json(201, 'The organization', z.object({ organization: S.Organization })),
        errors: [409],
      },
      'GET /api/organizations': {
        summary: 'My organizations',
        paginated: true,
        ok: json(200, 'Organizations with my role', S.listOf('organizations', S.Organization)),
      },
      [`GET ${ORG}`]: {
        summary: 'An organization and its service usage',
        ok: json(200, 'Organization and usage', z.object({ organization: S.Organization, usage: S.Usage })),
      },
      [`PATCH ${ORG}`]: {
        summary: 'Rename and brand an organization (admin); null clears a branding field',
        body: UpdateOrg,
        ok: json(200, 'The organization', z.object({ organization: S.Organization })),
      },
      [`DELETE ${ORG}`]: { summary: 'Delete an organization and everything it owns (owner)', ok: noContent('Deleted') },
      [`GET ${ORG}/members`]: { summary: 'List members', paginated: true, ok: json(200, 'Members', S.listOf('members', S.Member)) },
      [`PATCH ${ORG}/members/:accountId`]: {
        summary: "Change a member's role (owner)",
        body: UpdateMember,
        ok: json(200, 'The member', z.object({ member: S.Member })),
        errors: [409],
      },
      [`DELETE ${ORG}/members/:accountId`]: { summary: 'Remove a member (owner, or yourself)', ok: noContent('Removed'), errors: [409] },
      [`POST ${ORG}/invitations`]: {
        summary: 'Invite by email (admin); the token is shown once',
        body: CreateInvitation,
        ok: json(201, 'The invitation and its token', z.object({ invitation: S.Invitation, token: z.string(), email_sent: z.boolean() })),
        errors: [409],
        description: 'send_email: true also mails it (email_sent says whether the SMTP server took it); 409 when no mail can be sent.',
      },
      [`GET ${ORG}/invitations`]: { summary: 'List invitations (admin)', paginated: true, ok: json(200, 'Invitations', S.listOf('invitations', S.Invitation)) },
      [`DELETE ${ORG}/invitations/:id`]: { summary: 'Revoke an invitation (admin)', ok: noContent('Revoked') },
      'POST /api/invitations/accept': {
        summary: 'Accept an invitation sent to my email',
        body: AcceptInvitation,
        ok: json(200, 'The organization joined and the role', z.object({ organization: S.Organization, role: z.string() })),
        errors: [403, 404, 409],
      },
    },
  },
  {
    tag: 'Services',
    description: 'Applications of an organization (CONTRACT §3)',
    security: 'bearer',
    routes: {
      [`POST ${ORG}/services`]: {
        summary: 'Create a service (admin)',
        body: CreateService,
        ok: json(201, 'The service and its client id', z.object({ service: S.Service, client_id: z.string() })),
        errors: [409],
      },
      [`GET ${ORG}/services`]: {
        summary: 'List services',
        paginated: true,
        ok: json(200, 'Services and usage', z.object({ services: z.array(S.Service), total: z.number().int(), usage: S.Usage })),
      },
      [`GET ${SVC}`]: { summary: 'A service with its provider grants and plans', ok: json(200, 'Service detail', S.ServiceDetail) },
      [`PATCH ${SVC}`]: { summary: 'Update a service (admin)', body: UpdateService, ok: json(200, 'The service', z.object({ service: S.Service })) },
      [`DELETE ${SVC}`]: { summary: 'Delete a service and everything it owns (owner)', ok: noContent('Deleted') },
    },
  },
  {
    tag: 'Plans',
    description: 'Plans of a service (CONTRACT §4)',
    security: 'bearer',
    routes: {
      [`POST ${SVC}/plans`]: { summary: 'Create a plan (admin)', body: CreatePlan, ok: json(201, 'The plan', S.PlanWithCount), errors: [409] },
      [`GET ${SVC}/plans`]: { summary: 'List plans', ok: json(200, 'Plans with subscription counts', z.array(S.PlanWithCount)) },
      [`GET ${SVC}/plans/:planId`]: { summary: 'A plan', ok: json(200, 'The plan', S.PlanWithCount) },
      [`PATCH ${SVC}/plans/:planId`]: { summary: 'Update a plan (admin)', body: UpdatePlan, ok: json(200, 'The plan', S.PlanWithCount), errors: [409] },
      [`DELETE ${SVC}/plans/:planId`]: { summary: 'Delete a plan without live subscriptions (admin)', ok: noContent('Deleted'), errors: [409] },
    },
  },
  {
    tag: 'API keys',
    description: 'Keys for the Service API (CONTRACT §5)',
    security: 'bearer',
    routes: {
      [`POST ${SVC}/api-keys`]: {
        summary: 'Create an API key (admin); the key is shown once',
        body: CreateApiKey,
        ok: json(201, 'The key, shown only here', S.ApiKeyCreated),
      },
      [`GET ${SVC}/api-keys`]: {
        summary: 'List API keys (never the key)',
        paginated: true,
        ok: json(200, 'API keys', z.object({ api_keys: z.array(S.ApiKey), total: z.number().int() })),
      },
      [`GET ${SVC}/api-keys/:id`]: { summary: 'An API key (never the key)', ok: json(200, "The key's metadata", S.ApiKey) },
      [`DELETE ${SVC}/api-keys/:id`]: { summary: 'Revoke an API key (admin)', ok: noContent('Revoked on every instance from the next request on') },
    },
  },
  {
    tag: 'SAML configuration',
    description: 'Per-service SAML settings and signing certificates (CONTRACT §6)',
    security: 'bearer',
    routes: {
      [`POST ${SVC}/saml`]: { summary: 'Configure SAML (admin)', body: payloadSchema(false), ok: json(200, 'Updated', S.Message) },
      [`PUT ${SVC}/saml`]: { summary: 'Configure SAML (admin; alias of POST)', body: payloadSchema(false), ok: json(200, 'Updated', S.Message) },
      [`GET ${SVC}/saml`]: { summary: 'The SAML configuration and IdP URLs', ok: json(200, 'Configuration (defaults when never configured)', S.SamlConfig) },
      [`DELETE ${SVC}/saml`]: { summary: 'Disable SAML and deactivate every certificate (admin)', ok: json(200, 'Disabled', S.Message) },
      [`POST ${SVC}/saml/certificate`]: {
        summary: 'Generate a signing certificate (admin)',
        description: '`activate:false` creates a pending certificate, published in metadata but not signing.',
        body: CreateCertificate,
        bodyOptional: true,
        ok: json(201, 'The certificate', S.SamlCertificate),
      },
      [`GET ${SVC}/saml/certificate`]: { summary: 'The active signing certificate', ok: json(200, 'The certificate', S.SamlCertificate) },
      [`GET ${SVC}/saml/certificates`]: {
        summary: 'Every certificate with its status',
        ok: json(200, 'Certificates', S.listOf('certificates', S.SamlCertificate)),
      },
      [`POST ${SVC}/saml/certificates/:id/activate`]: {
        summary: 'Switch signing to this certificate (admin)',
        ok: json(200, 'The now active certificate', S.SamlCertificate),
      },
    },
  },
  DIRECTORY_GROUP,
  {
    tag: 'Service API',
    description: "For service backends, scoped to the key's service (CONTRACT §9)",
    security: 'apiKey',
    routes: {
      'GET /api/service/users': {
        summary: 'Users linked to the service (read:users)',
        paginated: true,
        ok: json(200, 'Users', S.listOf('users', S.ServiceUser)),
      },
      'POST /api/service/users': {
        summary: 'Provision a user; idempotent on email (write:users)',
        body: CreateServiceUser,
        ok: json(200, 'The user, new or existing', S.ServiceUser),
      },
      'GET /api/service/users/:userId': { summary: 'A linked user (read:users)', ok: json(200, 'The user', S.ServiceUser), errors: [404] },
      'PATCH /api/service/users/:userId': {
        summary: 'Change the email of a user this service created and owns alone: no other service linked, no password (write:users); otherwise 409',
        body: UpdateServiceUser,
        ok: json(200, 'The user', S.ServiceUser),
        errors: [404, 409],
      },
      'DELETE /api/service/users/:userId': {
        summary: "Remove the user's data for this service; the user record too only when this service owns it alone (delete:users)",
        ok: noContent('Removed'),
        errors: [404],
      },
      'GET /api/service/subscriptions': {
        summary: 'List subscriptions (read:subscriptions)',
        paginated: true,
        query: { status: { schema: StatusFilter, description: 'Only this status' } },
        ok: json(200, 'Subscriptions', S.listOf('subscriptions', S.Subscription)),
      },
      'POST /api/service/subscriptions': {
        summary: 'Subscribe a user to a plan (write:subscriptions)',
        body: CreateSubscription,
        ok: json(200, 'The subscription', S.Subscription),
        errors: [404, 409],
      },
      'GET /api/service/subscriptions/:userId': {
        summary: "A user's subscription (read:subscriptions)",
        ok: json(200, 'The subscription', S.Subscription),
        errors: [404],
      },
      'PATCH /api/service/subscriptions/:userId': {
        summary: 'Change status or period end (write:subscriptions)',
        body: UpdateSubscription,
        ok: json(200, 'The subscription', S.Subscription),
        errors: [404],
      },
      'DELETE /api/service/subscriptions/:userId': { summary: "Delete a user's subscription (delete:subscriptions)", ok: noContent('Deleted'), errors: [404] },
      'GET /api/service/analytics': { summary: 'Usage figures for the service (read:analytics)', ok: json(200, 'Analytics', S.Analytics) },
      'GET /api/service/info': { summary: 'The service (read:service)', ok: json(200, 'The service', S.ServiceInfo) },
      'PATCH /api/service/info': { summary: 'Rename the service (write:service)', body: UpdateInfo, ok: json(200, 'The service', S.ServiceInfo) },
    },
  },
  {
    tag: 'SAML protocol',
    description: 'Browser and SP endpoints; XML and HTML, not JSON (CONTRACT §7)',
    security: 'none',
    routes: {
      [`GET ${SAML}/metadata`]: {
        summary: 'IdP metadata',
        ok: { status: 200, description: 'EntityDescriptor with signing keys', contentType: 'application/samlmetadata+xml' },
        errors: [404],
      },
      [`GET ${SAML}/sso`]: {
        summary: 'AuthnRequest, HTTP-Redirect binding',
        query: redirectQuery,
        ok: html(200, 'Auto-submitting form posting the SAMLResponse to the ACS'),
        also: [{ status: 302, description: 'To /login?state=… when no IdP session exists' }],
        errors: [400, 404],
      },
      [`POST ${SAML}/sso`]: {
        summary: 'AuthnRequest, HTTP-POST binding',
        body: SamlPostBinding,
        bodyType: 'form',
        ok: html(200, 'Auto-submitting form posting the SAMLResponse to the ACS'),
        also: [{ status: 302, description: 'To /login?state=… when no IdP session exists' }],
        errors: [400, 404],
      },
      [`GET ${SAML}/init`]: {
        summary: 'IdP-initiated SSO to the configured ACS',
        query: { RelayState: { schema: z.string().max(80).optional(), description: 'Passed to the ACS' } },
        ok: html(200, 'Auto-submitting form to the ACS'),
        also: [{ status: 302, description: 'To /login when no IdP session exists' }],
        errors: [400, 404],
      },
      [`GET ${SAML}/slo`]: {
        summary: 'LogoutRequest/LogoutResponse, HTTP-Redirect binding',
        query: {
          SAMLRequest: { schema: z.string().optional(), description: 'LogoutRequest' },
          SAMLResponse: { schema: z.string().optional(), description: 'LogoutResponse' },
          RelayState: redirectQuery.RelayState,
        },
        ok: html(200, 'Logout result or form to the SP'),
        also: [{ status: 302, description: 'Redirect binding answer' }],
        errors: [400, 404],
      },
      [`POST ${SAML}/slo`]: {
        summary: 'LogoutRequest/LogoutResponse, HTTP-POST binding',
        body: SamlLogoutBinding,
        bodyType: 'form',
        ok: html(200, 'Logout result or form to the SP'),
        errors: [400, 404],
      },
      'GET /login': {
        summary: 'Hosted sign-in page for a pending request',
        query: { state: { schema: z.string(), description: 'Pending request handle' } },
        ok: html(200, 'The sign-in form'),
        also: [html(400, 'Expired request')],
      },
      'POST /login': {
        summary: 'Sign in and resume the SAML flow',
        body: SignInForm,
        bodyType: 'form',
        ok: html(200, 'Auto-submitting form to the ACS'),
        also: [html(401, 'Wrong credentials (one message for every failure)')],
        errors: [400, 403, 429],
      },
    },
  },
  AUDIT_GROUP,
  HOSTED_MFA,
  WEBHOOK_GROUP,
  {
    tag: 'Operations',
    description: 'Health, readiness, metrics and this reference (CONTRACT §10)',
    security: 'none',
    routes: {
      'GET /healthz': { summary: 'Process is up', ok: json(200, 'ok', S.Health) },
      'GET /readyz': {
        summary: 'Database and Redis reachable',
        ok: json(200, 'Ready', S.Health),
        also: [json(503, 'Not ready (with Retry-After): the error envelope with status and checks', S.NotReady)],
      },
      'GET /metrics': {
        summary: 'Prometheus metrics',
        security: 'metrics',
        ok: { status: 200, description: 'Prometheus text format', contentType: 'text/plain' },
        errors: [401],
      },
      'GET /openapi.json': { summary: 'This OpenAPI 3.1 document', ok: { status: 200, description: 'OpenAPI document', contentType: 'application/json' } },
      'GET /docs': { summary: 'Readable API reference (HTML)', ok: html(200, 'Reference page') },
      'GET /docs/assets/:file': { summary: 'Static assets of the reference page', ok: { status: 200, description: 'JavaScript or CSS' }, errors: [404] },
    },
  },
  HOSTED_PAGES,
  CONSOLE_GROUP,
];

/** "METHOD /koa/path" → its group and description. */
export const CATALOG: ReadonlyMap<string, { group: RouteGroup; doc: OperationDoc }> = new Map(
  GROUPS.flatMap((group) => Object.entries(group.routes).map(([key, doc]) => [key, { group, doc }] as const)),
);

export const TAGS = [
  ...GROUPS.map((g) => ({ name: g.tag, description: g.description })),
  { name: 'Undocumented', description: 'Routes the catalog does not describe yet' },
];
