// SAML test plumbing: a service configured for SAML through the admin API, a directory user with a
// password, a browser-like cookie jar, and the sign-in walk (redirect → /login → auto-POST page).
import { expect } from 'vitest';
import { uniqueEmail, type Json, type Res } from './http.ts';
import { createOrg, createService, registerAdmin, type Admin } from './fixtures.ts';

export const USER_PASSWORD = 'user password 12345';
export const SP_ENTITY = 'https://sp.example.com/metadata';
export const SP_ACS = 'http://localhost:4567/saml/acs';

/** The body of GET …/saml (docs/api.md, SAML configuration). */
export interface SamlConfigBody {
  enabled: boolean;
  entity_id: string | null;
  acs_url: string | null;
  slo_url: string | null;
  name_id_format: string;
  attribute_mapping: Record<string, string>;
  sign_assertions: boolean;
  sign_response: boolean;
  sp_certificate: string | null;
  want_authn_requests_signed: boolean;
  has_certificate: boolean;
  idp_entity_id: string;
  metadata_url: string;
  sso_url: string;
  slo_url_idp: string;
}

/** One certificate of …/saml/certificates. */
export interface SamlCertificateBody {
  id: string;
  public_key: string;
  valid_from: string;
  valid_until: string;
  is_active: boolean;
  status: 'active' | 'pending' | 'inactive';
}

export interface SamlWorld {
  admin: Admin;
  org: string;
  svc: { slug: string; id: string };
  userEmail: string;
  userId: string;
  urls: { sso: string; metadata: string; entityId: string };
  idpCertPem: string;
  base: string;
}

export async function samlWorld(base: string, config: Json = {}): Promise<SamlWorld> {
  const admin = await registerAdmin(base);
  const org = await createOrg(admin);
  const svc = await createService(admin, org);
  const userEmail = uniqueEmail('sso');
  const user = await admin.client.post<{ user: { id: string } }>(`/api/organizations/${org}/users`, { email: userEmail, password: USER_PASSWORD });
  expect(user.status).toBe(201);
  await configureSaml(admin, org, svc.slug, config);
  const cfg = await admin.client.get<{ sso_url: string; metadata_url: string; idp_entity_id: string }>(`/api/organizations/${org}/services/${svc.slug}/saml`);
  const cert = await admin.client.get<{ public_key: string }>(`/api/organizations/${org}/services/${svc.slug}/saml/certificate`);
  expect(cert.status).toBe(200);
  return {
    admin,
    org,
    svc,
    userEmail,
    userId: user.body.user.id,
    urls: { sso: cfg.body.sso_url, metadata: cfg.body.metadata_url, entityId: cfg.body.idp_entity_id },
    idpCertPem: cert.body.public_key,
    base,
  };
}

/** The smallest body that turns SAML on for the suites' SP. */
export const ENABLE_SAML = { enabled: true, entity_id: SP_ENTITY, acs_url: SP_ACS };

/** The admin API path of a service's SAML configuration, or of `rest` below it. */
export const samlPath = (org: string, svc: string, rest = ''): string => `/api/organizations/${org}/services/${svc}/saml${rest}`;

/** A brand-new, never-configured service in an organization of its own (clear of the services-per-org limit). */
export async function freshSamlService(owner: Admin): Promise<{ org: string; svc: string; path: (rest?: string) => string }> {
  const org = await createOrg(owner);
  const svc = (await createService(owner, org)).slug;
  return { org, svc, path: (rest = '') => samlPath(org, svc, rest) };
}

/** GET …/saml as `owner`, expected to succeed. */
export async function samlConfigOf(owner: Admin, path: string): Promise<SamlConfigBody> {
  const res = await owner.client.get<SamlConfigBody>(path);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

export async function configureSaml(admin: Admin, org: string, svc: string, config: Json = {}): Promise<void> {
  const res = await admin.client.post(`/api/organizations/${org}/services/${svc}/saml`, {
    enabled: true,
    entity_id: SP_ENTITY,
    acs_url: SP_ACS,
    attribute_mapping: { email: 'email', id: 'uid', plan_name: 'plan', features: 'features' },
    ...config,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** Cookies as a browser keeps them (name → value), fed from Set-Cookie headers. */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  take(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair && eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export interface FetchResult {
  status: number;
  headers: Headers;
  text: string;
}

/** What a FetchResult looks like to expectError (the JSON error shape check): the body parsed when it is JSON. */
export function asRes(r: FetchResult): Res<unknown> {
  let body: unknown;
  try {
    body = JSON.parse(r.text);
  } catch {
    body = undefined;
  }
  return { status: r.status, headers: r.headers, body, text: r.text };
}

export async function browserFetch(
  jar: CookieJar,
  url: string,
  init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<FetchResult> {
  const headers: Record<string, string> = { accept: 'text/html', ...init.headers };
  if (jar.cookies.size) headers.cookie = jar.header();
  let body: string | undefined;
  if (init.form) {
    body = new URLSearchParams(init.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const res = await fetch(url, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
  jar.take(res.headers);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export function hiddenInput(html: string, name: string): string | undefined {
  const m = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html);
  return m?.[1] === undefined ? undefined : decodeEntities(m[1]);
}

export function formAction(html: string): string | undefined {
  const m = /<form method="post" action="([^"]*)"/.exec(html);
  return m?.[1] === undefined ? undefined : decodeEntities(m[1]);
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d)))
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

/** Follows an SSO answer: when it redirects to /login, signs in; returns the auto-POST page. */
export async function completeSignIn(
  world: SamlWorld,
  jar: CookieJar,
  first: FetchResult,
  password = USER_PASSWORD,
  email = world.userEmail,
): Promise<FetchResult> {
  if (first.status !== 302) return first;
  const location = first.headers.get('location') ?? '';
  expect(location).toMatch(/^\/login\?state=/);
  const loginPage = await browserFetch(jar, world.base + location);
  expect(loginPage.status).toBe(200);
  const csrf = hiddenInput(loginPage.text, 'csrf') ?? '';
  const state = hiddenInput(loginPage.text, 'state') ?? '';
  return browserFetch(jar, `${world.base}/login`, { form: { state, csrf, email, password }, headers: { origin: new URL(world.base).origin } });
}

export function samlResponseFrom(page: FetchResult): { SAMLResponse: string; RelayState?: string; action: string; xml: string } {
  const SAMLResponse = hiddenInput(page.text, 'SAMLResponse');
  const action = formAction(page.text);
  expect(SAMLResponse, `${page.status} ${page.text.replace(/<style[^]*<\/style>/, '').slice(0, 600)}`).toBeDefined();
  const relay = hiddenInput(page.text, 'RelayState');
  return {
    SAMLResponse: SAMLResponse ?? '',
    action: action ?? '',
    xml: Buffer.from(SAMLResponse ?? '', 'base64').toString('utf8'),
    ...(relay !== undefined ? { RelayState: relay } : {}),
  };
}
