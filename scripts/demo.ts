// npm run demo — Tessera on a fresh SQLite database plus a demo Service Provider (node-saml), wired
// together through Tessera's own API: an admin, an organization, a service with a plan and SAML, and
// a directory user with a password. Open the SP page and click "Sign in with Tessera".
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config/index.ts';
import { startServer, type RunningServer } from '../src/server.ts';
import { startDemoSp, type DemoSp } from './demo-sp.ts';

export interface Demo {
  tessera: RunningServer;
  sp: DemoSp;
  user: { email: string; password: string };
  admin: { email: string; password: string };
  close(): Promise<void>;
}

async function call<T>(base: string, method: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(base + path, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export async function runDemo(opts: { tesseraPort?: number; spPort?: number; dataDir?: string; quiet?: boolean } = {}): Promise<Demo> {
  const dataDir = opts.dataDir ?? join(import.meta.dirname, '..', 'data', 'demo');
  rmSync(dataDir, { recursive: true, force: true });
  const port = opts.tesseraPort ?? 3000;
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://localhost:${port}`,
    DATABASE_URL: `file:${join(dataDir, 'demo.db')}`,
    LOG_LEVEL: opts.quiet ? 'silent' : 'warn',
  });
  const tessera = await startServer(config);
  if (port === 0) config.publicUrl = tessera.url.replace('127.0.0.1', 'localhost');
  const base = tessera.url;
  const sp = await startDemoSp('localhost', opts.spPort ?? 3001);

  const admin = { email: 'admin@demo.example', password: randomBytes(9).toString('base64url') };
  const user = { email: 'ada@demo.example', password: randomBytes(9).toString('base64url') };
  const reg = await call<{ access_token: string }>(base, 'POST', '/api/auth/register', admin);
  const auth = { authorization: `Bearer ${reg.access_token}` };
  await call(base, 'POST', '/api/organizations', { slug: 'demo', name: 'Demo Inc' }, auth);
  await call(base, 'POST', '/api/organizations/demo/services', { slug: 'demo-app', name: 'Demo App', service_type: 'web' }, auth);
  const plan = await call<{ plan: { id: string } }>(
    base,
    'POST',
    '/api/organizations/demo/services/demo-app/plans',
    { name: 'Pro', price_cents: 2900, currency: 'usd', features: ['sso', 'reports'] },
    auth,
  );
  const u = await call<{ user: { id: string } }>(base, 'POST', '/api/organizations/demo/users', user, auth);
  await call(
    base,
    'POST',
    '/api/organizations/demo/services/demo-app/saml',
    {
      enabled: true,
      entity_id: sp.entityId,
      acs_url: sp.acsUrl,
      attribute_mapping: { email: 'email', id: 'uid', plan_name: 'plan', subscription_status: 'status', features: 'features' },
    },
    auth,
  );
  const key = await call<{ key: string }>(
    base,
    'POST',
    '/api/organizations/demo/services/demo-app/api-keys',
    { name: 'demo backend', permissions: ['write:users', 'write:subscriptions'] },
    auth,
  );
  await call(base, 'POST', '/api/service/users', { email: user.email }, { 'x-api-key': key.key });
  await call(base, 'POST', '/api/service/subscriptions', { user_id: u.user.id, plan_id: plan.plan.id }, { 'x-api-key': key.key });
  const samlRes = await fetch(`${base}/api/organizations/demo/services/demo-app/saml`, { headers: auth });
  const saml = (await samlRes.json()) as { sso_url: string; idp_entity_id: string };
  const certRes = await fetch(`${base}/api/organizations/demo/services/demo-app/saml/certificate`, { headers: auth });
  const cert = (await certRes.json()) as { public_key: string };
  sp.configure({ ssoUrl: saml.sso_url, entityId: saml.idp_entity_id, certPem: cert.public_key });
  return {
    tessera,
    sp,
    user,
    admin,
    close: async () => {
      await sp.close();
      await tessera.close(1000);
    },
  };
}

/** A port from the environment (CONTRACT §16: PORT, DEMO_SP_PORT), or the default; anything else stops the demo. */
export function portFrom(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!/^\d{1,5}$/.test(raw) || port > 65535) throw new Error(`${name} must be a port number (0-65535), got ${JSON.stringify(raw)}`);
  return port;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const demo = await runDemo({ tesseraPort: portFrom('PORT', 3000), spPort: portFrom('DEMO_SP_PORT', 3001) });
  console.log(`
  Tessera demo is running.

    Service Provider:  ${demo.sp.url}      ← open this and click "Sign in with Tessera"
    Sign in as:        ${demo.user.email} / ${demo.user.password}

    Tessera (IdP):     ${demo.tessera.deps.config.publicUrl}
    Admin console:     ${demo.tessera.deps.config.publicUrl}/console
    Admin account:     ${demo.admin.email} / ${demo.admin.password}   (console, or POST /api/auth/login)
    IdP metadata:      ${demo.tessera.deps.config.publicUrl}/saml/demo/demo-app/metadata

  Ctrl-C stops both.`);
  const stop = () => {
    void demo.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
