// Builds the OpenAPI 3.1 document. The list of operations comes from the live routers (so a route can
// never be missing from the document); what each one takes and returns comes from openapi-catalog.ts,
// whose request bodies are the very zod schemas the routes validate with, converted by zod's own
// z.toJSONSchema. A route the catalog does not describe still appears, flagged `x-undocumented`, and
// the e2e test fails on it.
import { z } from 'zod';
import { CATALOG, TAGS, type OperationDoc, type Reply, type Security } from './openapi-catalog.ts';
import { ErrorBody } from './openapi-schemas.ts';

export interface RouteRef {
  method: string;
  path: string;
}
type JsonObject = { [key: string]: unknown };

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, JsonObject>>;
  components: Record<'schemas' | 'responses' | 'parameters' | 'headers' | 'securitySchemes', Record<string, JsonObject>>;
}

/** Every (method, path) the router serves, in registration order; HEAD is implied by GET. */
export function listRoutes(router: { stack: readonly { methods: string[]; path: string | RegExp }[] }): RouteRef[] {
  const seen = new Set<string>();
  const out: RouteRef[] = [];
  for (const layer of router.stack) {
    for (const method of layer.methods) {
      if (method === 'HEAD') continue;
      const key = `${method} ${String(layer.path)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ method, path: String(layer.path) });
    }
  }
  return out;
}

/** `/api/organizations/:org` → `/api/organizations/{org}` (also `*name` wildcards). */
export function toOpenApiPath(path: string): string {
  return path.replace(/\{\*([A-Za-z0-9_]+)\}/g, '{$1}').replace(/[:*]([A-Za-z0-9_]+)/g, '{$1}');
}

const PATH_PARAMS: Record<string, string> = {
  org: 'Organization slug',
  service: 'Service slug',
  accountId: 'Account id (acct_…)',
  planId: 'Plan id (plan_…)',
  userId: 'User id (usr_…)',
  id: 'Id of the item (its type prefix depends on the collection)',
  view: "The console's own page path (served index.html)",
  file: 'Asset file name',
};

const SECURITY: Record<Security, JsonObject[]> = {
  none: [],
  bearer: [{ bearerAuth: [] }],
  apiKey: [{ apiKeyAuth: [] }],
  // The metrics token is optional: required only when TESSERA_METRICS_TOKEN is set.
  metrics: [{}, { metricsToken: [] }],
};

// status → [description, the error_code shown in the example]
const ERROR_RESPONSES: Record<string, [string, string]> = {
  400: ['Invalid request (validation errors carry `details`)', 'BAD_REQUEST'],
  401: ['Missing or invalid credentials', 'UNAUTHORIZED'],
  403: ['Authenticated but not allowed (`FORBIDDEN`, or `SERVICE_LIMIT_EXCEEDED` when creating services)', 'FORBIDDEN'],
  404: ['Not found (also for organizations the caller is not a member of)', 'NOT_FOUND'],
  409: ['Conflict with the current state', 'CONFLICT'],
  413: ['Body larger than 1 MiB', 'PAYLOAD_TOO_LARGE'],
  415: ['Content-Type must be application/json', 'UNSUPPORTED_MEDIA_TYPE'],
  429: ['Rate limit exceeded; see Retry-After', 'RATE_LIMIT_EXCEEDED'],
  '5XX': ['Internal error (500) or database/Redis unavailable (503 with Retry-After)', 'SERVICE_UNAVAILABLE'],
};

/** Converts zod schemas and collects every named ($defs) schema into components.schemas. */
class SchemaCollector {
  readonly schemas: Record<string, JsonObject> = {};

  toJson(schema: z.ZodType): JsonObject {
    // io 'input': request bodies are described as clients send them (before trims and transforms);
    // response schemas have no transforms, and input mode keeps them open to additive fields.
    const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as JsonObject;
    const defs = (json.$defs ?? {}) as Record<string, JsonObject>;
    delete json.$schema;
    delete json.$defs;
    for (const [id, def] of Object.entries(defs)) this.schemas[id] = rewriteRefs(def) as JsonObject;
    return rewriteRefs(json) as JsonObject;
  }
}

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === '$ref' && typeof v === 'string' ? v.replace('#/$defs/', '#/components/schemas/') : rewriteRefs(v);
    }
    return out;
  }
  return value;
}

function parameters(path: string, doc: OperationDoc | undefined, schemas: SchemaCollector): JsonObject[] {
  const params: JsonObject[] = [];
  for (const m of path.matchAll(/\{([A-Za-z0-9_]+)\}/g)) {
    const name = m[1] ?? '';
    params.push({ name, in: 'path', required: true, description: PATH_PARAMS[name] ?? name, schema: { type: 'string' } });
  }
  if (doc?.paginated) params.push({ $ref: '#/components/parameters/limit' }, { $ref: '#/components/parameters/offset' });
  for (const [name, q] of Object.entries(doc?.query ?? {})) {
    const optional = q.schema instanceof z.ZodOptional;
    const inner = q.schema instanceof z.ZodOptional ? (q.schema.unwrap() as z.ZodType) : q.schema;
    params.push({ name, in: 'query', required: !optional, description: q.description, schema: schemas.toJson(inner) });
  }
  return params;
}

function content(reply: Reply, schemas: SchemaCollector): JsonObject | undefined {
  const type = reply.contentType ?? 'application/json';
  if (reply.schema) return { [type]: { schema: schemas.toJson(reply.schema) } };
  return reply.contentType ? { [type]: { schema: { type: 'string' } } } : undefined;
}

/** Methods whose request may carry a body: every route of them reads what comes (route.ts refuseBodyFields). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function responses(method: string, path: string, security: Security, doc: OperationDoc | undefined, schemas: SchemaCollector): JsonObject {
  const out: JsonObject = {};
  for (const reply of doc ? [doc.ok, ...(doc.also ?? [])] : [{ status: 200, description: 'Success' }]) {
    const body = content(reply, schemas);
    const headers = security === 'apiKey' ? { headers: RATE_LIMIT_HEADER_REFS } : {};
    out[String(reply.status)] = { description: reply.description, ...(body ? { content: body } : {}), ...headers };
  }
  const errors = new Set<string>((doc?.errors ?? []).map(String));
  if (security === 'bearer' || security === 'apiKey') errors.add('401');
  // The Service API refuses a key in the query string (400), a missing permission (403) and bursts (429).
  if (security === 'apiKey') {
    errors.add('400');
    errors.add('403');
    errors.add('429');
  }
  if (security === 'bearer' && path.includes('{org}')) {
    errors.add('403');
    errors.add('404');
  }
  // Any body a route of these methods receives is read and checked: fields it does not take (400),
  // over the size limit (413), of another Content-Type (415); form routes too (their own type).
  if (BODY_METHODS.has(method)) {
    errors.add('400');
    errors.add('413');
    errors.add('415');
  }
  if (doc?.paginated || doc?.query) errors.add('400');
  errors.add('5XX');
  for (const status of [...errors].sort()) out[status] = { $ref: `#/components/responses/${status}` };
  return out;
}

const RATE_LIMIT_HEADER_REFS = {
  'X-RateLimit-Limit': { $ref: '#/components/headers/X-RateLimit-Limit' },
  'X-RateLimit-Remaining': { $ref: '#/components/headers/X-RateLimit-Remaining' },
  'X-RateLimit-Reset': { $ref: '#/components/headers/X-RateLimit-Reset' },
};

function operation(route: RouteRef, schemas: SchemaCollector): JsonObject {
  const found = CATALOG.get(`${route.method} ${route.path}`);
  const doc = found?.doc;
  const security = doc?.security ?? found?.group.security ?? 'none';
  const path = toOpenApiPath(route.path);
  const op: JsonObject = {
    operationId: `${route.method.toLowerCase()}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    summary: doc?.summary ?? 'Undocumented route',
    tags: [found?.group.tag ?? 'Undocumented'],
    security: SECURITY[security],
  };
  if (doc?.description) op.description = doc.description;
  if (!doc) op['x-undocumented'] = true;
  const params = parameters(path, doc, schemas);
  if (params.length) op.parameters = params;
  if (doc?.body) {
    const type = doc.bodyType === 'form' ? 'application/x-www-form-urlencoded' : 'application/json';
    op.requestBody = { required: !doc.bodyOptional, content: { [type]: { schema: schemas.toJson(doc.body) } } };
  }
  op.responses = responses(route.method, path, security, doc, schemas);
  return op;
}

function components(schemas: SchemaCollector): OpenApiDocument['components'] {
  const errorRef = { $ref: '#/components/schemas/Error' };
  const retryAfter = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } };
  const responsesByStatus: Record<string, JsonObject> = {};
  for (const [status, [description, code]] of Object.entries(ERROR_RESPONSES)) {
    const example = {
      error: description.replace(/ \(.*$|;.*$/, ''),
      error_code: code,
      timestamp: '2025-01-15T10:30:00.000Z',
      request_id: '6f1c2d3e-…',
      ...(status === '400' ? { details: [{ field: 'email', message: 'Invalid email format' }] } : {}),
    };
    responsesByStatus[status] = {
      description,
      content: { 'application/json': { schema: errorRef, example } },
      ...(status === '429' || status === '5XX' ? { headers: retryAfter } : {}),
    };
  }
  const page = (name: string, description: string, min: number, max: number, def: number) => ({
    name,
    in: 'query',
    required: false,
    description,
    schema: { type: 'integer', minimum: min, maximum: max, default: def },
  });
  return {
    schemas: schemas.schemas,
    responses: responsesByStatus,
    parameters: {
      limit: page('limit', 'Page size; anything outside 1–100 is 400', 1, 100, 50),
      offset: page('offset', 'Items to skip; negative is 400', 0, 1_000_000_000, 0),
    },
    securitySchemes: {
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from /api/auth/login or /api/auth/refresh (15 minutes)' },
      apiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'A service API key `sk_{live|test}_…`; never in the query string' },
      metricsToken: { type: 'http', scheme: 'bearer', description: 'TESSERA_METRICS_TOKEN, when the server sets one' },
    },
    headers: {
      'X-RateLimit-Limit': { description: 'Requests allowed per minute for this kind of request', schema: { type: 'integer' } },
      'X-RateLimit-Remaining': { description: 'Requests left in the current window', schema: { type: 'integer' } },
      'X-RateLimit-Reset': { description: 'When the window resets (unix seconds)', schema: { type: 'integer' } },
    },
  };
}

/** The OpenAPI 3.1 document for the given routes (normally `listRoutes` of the app's root router). */
export function buildOpenApi(routes: readonly RouteRef[], opts: { serverUrl: string; version: string }): OpenApiDocument {
  const schemas = new SchemaCollector();
  // The Error schema is shared by every error response, so it is registered even if no route names it.
  schemas.toJson(ErrorBody);
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const path = toOpenApiPath(route.path);
    (paths[path] ??= {})[route.method.toLowerCase()] = operation(route, schemas);
  }
  const used = new Set(Object.values(paths).flatMap((ops) => Object.values(ops).flatMap((op) => op.tags as string[])));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tessera',
      version: opts.version,
      description: 'SAML 2.0 Identity Provider with an admin plane (bearer tokens) and a Service API (X-API-Key). Errors always use the Error schema.',
    },
    servers: [{ url: opts.serverUrl }],
    tags: TAGS.filter((t) => used.has(t.name)),
    paths,
    components: components(schemas),
  };
}
