// GET /openapi.json and GET /docs (docs/api.md, Operations): the document covers every route the app serves,
// request bodies are the routes' own zod schemas, described responses match real ones, and the
// reference page loads only local assets under a strict CSP.
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { Client } from '../helpers/http.ts';
import { ALL_PERMISSIONS, createKey, createOrg, createPlan, createService, registerAdmin } from '../helpers/fixtures.ts';
import { appRoutes } from '../../src/ops/docs-routes.ts';
import { toOpenApiPath, type OpenApiDocument } from '../../src/ops/openapi.ts';
import { CATALOG } from '../../src/ops/openapi-catalog.ts';
import { CreateApiKey } from '../../src/api-keys/index.ts';
import { PERMISSIONS } from '../../src/api-keys/permissions.ts';
import * as S from '../../src/ops/openapi-schemas.ts';

type Operation = {
  summary: string;
  tags: string[];
  security: Record<string, string[]>[];
  'x-undocumented'?: boolean;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, unknown>;
};

function operation(doc: OpenApiDocument, method: string, path: string): Operation | undefined {
  return doc.paths[path]?.[method.toLowerCase()] as Operation | undefined;
}

/** Every `$ref` string anywhere in the document. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe.each(databases())('OpenAPI document and API reference on $name', (factory) => {
  const srv = suiteServer(factory);
  let anon: Client;
  let doc: OpenApiDocument;
  beforeAll(async () => {
    anon = new Client(srv.url);
    const res = await anon.get<OpenApiDocument>('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = res.body;
  });

  it('is an OpenAPI 3.1 document with info, servers, paths and the shared Error schema', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBe('Tessera');
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.servers[0]?.url).toBe(srv.deps.config.publicUrl);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(30);
    const error = doc.components.schemas.Error as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(error.properties)).toEqual(['error', 'error_code', 'timestamp', 'request_id', 'details', 'reason']);
    expect(error.required).toEqual(['error', 'error_code', 'timestamp', 'request_id']);
    const notFound = doc.components.responses['404'] as { content: Record<string, { schema: { $ref: string } }> };
    expect(notFound.content['application/json']?.schema.$ref).toBe('#/components/schemas/Error');
  });

  it('describes every route of the app router with its method, none left undocumented', () => {
    const routes = appRoutes(srv.deps);
    expect(routes.length).toBeGreaterThan(60);
    // Both routers of the app are walked: the root one and the Service API's own.
    expect(routes).toContainEqual({ method: 'GET', path: '/api/service/users' });
    expect(routes).toContainEqual({ method: 'POST', path: '/api/organizations/:org/services/:service/api-keys' });
    const missing = routes.filter((r) => !operation(doc, r.method, toOpenApiPath(r.path))).map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
    const undocumented = routes.filter((r) => operation(doc, r.method, toOpenApiPath(r.path))?.['x-undocumented']).map((r) => `${r.method} ${r.path}`);
    expect(undocumented, 'add these routes to src/ops/openapi-catalog.ts').toEqual([]);
    // And nothing in the document that the app does not serve.
    const served = new Set(routes.map((r) => `${r.method.toLowerCase()} ${toOpenApiPath(r.path)}`));
    const extra = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`))
      .filter((k) => !served.has(k));
    expect(extra).toEqual([]);
    // And no catalog entry for a route that no longer exists.
    const keys = new Set(routes.map((r) => `${r.method} ${r.path}`));
    expect([...CATALOG.keys()].filter((k) => !keys.has(k))).toEqual([]);
  });

  it('takes request bodies from the zod schemas the routes validate with', () => {
    const op = operation(doc, 'POST', '/api/organizations/{org}/services/{service}/api-keys');
    const schema = op?.requestBody?.content['application/json']?.schema as {
      properties: { permissions: { items: { enum: string[] } } };
      required: string[];
      additionalProperties: boolean;
    };
    expect(schema.properties.permissions.items.enum).toEqual([...PERMISSIONS]);
    expect(schema.required).toEqual(['name', 'permissions']);
    expect(schema.additionalProperties).toBe(false);
    const { $schema: _ignored, ...fromRoute } = z.toJSONSchema(CreateApiKey, { io: 'input' });
    expect(schema).toEqual(fromRoute);
    const saml = operation(doc, 'POST', '/api/organizations/{org}/services/{service}/saml')?.requestBody?.content['application/json']?.schema as {
      required: string[];
      properties: Record<string, unknown>;
    };
    expect(saml.required).toEqual(['enabled']);
    expect(Object.keys(saml.properties)).toEqual(expect.arrayContaining(['entity_id', 'acs_url', 'attribute_mapping', 'sign_assertions']));
  });

  it('marks security per plane and documents path parameters, pagination and error responses', () => {
    expect(operation(doc, 'POST', '/api/auth/login')?.security).toEqual([]);
    expect(operation(doc, 'GET', '/api/auth/me')?.security).toEqual([{ bearerAuth: [] }]);
    expect(operation(doc, 'GET', '/api/organizations/{org}/members')?.security).toEqual([{ bearerAuth: [] }]);
    expect(operation(doc, 'GET', '/api/service/users')?.security).toEqual([{ apiKeyAuth: [] }]);
    expect(operation(doc, 'GET', '/saml/{org}/{service}/metadata')?.security).toEqual([]);
    expect(doc.components.securitySchemes.apiKeyAuth).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const create = operation(doc, 'POST', '/api/organizations/{org}/services');
    expect(Object.keys(create?.responses ?? {})).toEqual(expect.arrayContaining(['201', '400', '401', '403', '404', '409', '413', '415', '5XX']));
    // A route without a body still reads one (fields it does not take are 400), and so do form routes.
    for (const [method, path] of [
      ['DELETE', '/api/organizations/{org}/services/{service}'],
      ['DELETE', '/api/service/users/{userId}'],
      ['POST', '/api/organizations/{org}/webhooks/{id}/test'],
      ['POST', '/login'],
    ] as const) {
      expect(Object.keys(operation(doc, method, path)?.responses ?? {}), `${method} ${path}`).toEqual(expect.arrayContaining(['400', '413', '415']));
    }
    expect(Object.keys(operation(doc, 'POST', '/api/auth/register')?.responses ?? {})).toContain('429');
    const list = doc.paths['/api/organizations/{org}/members']?.get as { parameters: unknown[] };
    expect(list.parameters).toEqual(
      expect.arrayContaining([{ $ref: '#/components/parameters/limit' }, expect.objectContaining({ name: 'org', in: 'path', required: true })]),
    );
    const tags = new Set(Object.values(doc.paths).flatMap((ops) => Object.values(ops).flatMap((o) => (o as Operation).tags)));
    expect([...tags]).toEqual(
      expect.arrayContaining(['Admin accounts', 'Organizations', 'Services', 'API keys', 'Service API', 'SAML protocol', 'Operations']),
    );
  });

  it('resolves every $ref inside the document', () => {
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(50);
    for (const ref of new Set(all)) {
      const [, section, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref) ?? [];
      expect((doc.components as Record<string, Record<string, unknown>>)[section ?? '']?.[name ?? ''], ref).toBeDefined();
    }
  });

  it('describes response bodies the way the API really answers', async () => {
    const reg = await anon.post('/api/auth/register', { email: `shape.${Date.now()}@example.com`, password: 'correct horse battery staple' });
    S.Registered.parse(reg.body);
    const admin = await registerAdmin(srv.url);
    const org = await createOrg(admin);
    const svc = await createService(admin, org);
    await createPlan(admin, org, svc.slug);
    const base = `/api/organizations/${org}/services/${svc.slug}`;
    S.ServiceDetail.parse((await admin.client.get(base)).body);
    z.array(S.PlanWithCount).parse((await admin.client.get(`${base}/plans`)).body);
    const created = await admin.client.post(`${base}/api-keys`, { name: 'docs', permissions: ALL_PERMISSIONS });
    S.ApiKeyCreated.parse(created.body);
    S.ApiKey.parse((await admin.client.get(`${base}/api-keys/${String(created.body.id)}`)).body);
    S.SamlConfig.parse((await admin.client.get(`${base}/saml`)).body);
    const key = await createKey(admin, org, svc.slug, ['read:analytics', 'read:service']);
    const api = anon.apiKey(key.key);
    S.Analytics.parse((await api.get('/api/service/analytics')).body);
    S.ServiceInfo.parse((await api.get('/api/service/info')).body);
    const missing = await admin.client.get(`${base}/api-keys/key_doesnotexist`);
    expect(missing.status).toBe(404);
    S.ErrorBody.parse(missing.body);
  });

  it('serves /docs as HTML that cannot be framed and runs only same-origin scripts and styles', async () => {
    const res = await anon.get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(res.text).not.toMatch(/<script>|<style|https?:\/\//);
    expect(res.text).toContain('id="swagger-ui"');
  });

  it('serves every asset the page references from local files with a proper content type', async () => {
    const page = (await anon.get('/docs')).text;
    const urls = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '').filter((u) => u.startsWith('/docs/'));
    expect(urls.length).toBe(3);
    for (const url of urls) {
      const res = await anon.get(url, { 'accept-encoding': 'gzip' });
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type'), url).toMatch(url.includes('.css') ? /^text\/css/ : /^application\/javascript/);
      expect(res.headers.get('cache-control')).toContain('immutable');
      expect(res.text.length).toBeGreaterThan(100);
      // fetch adds `Cache-Control: no-cache` to conditional requests unless one is given (a forced reload).
      const again = await anon.get(url, { 'if-none-match': res.headers.get('etag') ?? '', 'cache-control': 'max-age=0' });
      expect(again.status).toBe(304);
    }
    const bundle = urls.find((u) => u.includes('swagger-ui-bundle.js')) ?? '';
    expect((await anon.get(bundle)).text).toContain('SwaggerUIBundle');
    const unknown = await anon.get('/docs/assets/..%2Fpackage.json');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe('NOT_FOUND');
  });
});
