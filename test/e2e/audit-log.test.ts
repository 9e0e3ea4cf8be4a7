// The audit log (docs/api.md, Audit log; docs/security.md, attack 47), walked generically: every
// non-GET operation of /openapi.json is either audited (a scenario in test/helpers/audit-scenarios*.ts)
// or listed as not an organization's write, with the reason. Each audited one, performed with valid
// input, leaves exactly one new event with the right action, actor and target; refused (403 below the
// role or permission, 400 with an unknown field) it leaves none. No secret the calls saw or stored
// appears in any event, and no route changes or deletes an event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { Client, type Res } from '../helpers/http.ts';
import { ALL_PERMISSIONS, createKey, createService, createTeam } from '../helpers/fixtures.ts';
import { NOT_AUDITED, SECRET_PASSWORD, type AuditWorld } from '../helpers/audit-scenarios.ts';
import { SCENARIOS } from '../helpers/audit-scenarios-more.ts';
import type { TestServer } from '../helpers/server.ts';
import { Receiver } from '../helpers/webhook-receiver.ts';

interface AuditEventBody {
  id: string;
  action: string;
  actor: { type: string; id: string; email?: string };
  target: { type: string; id: string };
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  changes: Record<string, unknown> | null;
  created_at: string;
}

/** The non-GET operations of the document, as "METHOD /koa/path". */
async function writeOperations(base: string): Promise<string[]> {
  const doc = (await new Client(base).get<{ paths: Record<string, Record<string, unknown>> }>('/openapi.json')).body;
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops)
      .filter((m) => ['post', 'put', 'patch', 'delete'].includes(m))
      .map((m) => `${m.toUpperCase()} ${path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1')}`),
  );
}

const count = (srv: TestServer) => srv.deps.db.auditEvent.count();
// Tokens are 256-bit (43 characters after the prefix); ids of the same prefix are 160-bit (27) and may appear.
const SECRET_SHAPES = /(sk_(?:live|test)_[A-Za-z0-9_-]+|pwl_[A-Za-z0-9_-]{40,}|inv_[A-Za-z0-9_-]{40,}|whsec_[A-Za-z0-9+/=]{40,})/g;

describe.each(databases())('audit log on $name', (factory) => {
  // The webhook scenarios deliver to a local receiver (http, 127.0.0.1).
  const srv = suiteServer(factory, { TESSERA_WEBHOOKS_ALLOW_PRIVATE: 'true' });
  let w: AuditWorld;
  let receiver: Receiver | undefined;
  const performed: string[] = [];

  afterAll(async () => {
    await receiver?.close();
  });

  beforeAll(async () => {
    receiver = await Receiver.start();
    const team = await createTeam(srv.url);
    const svc = await createService(team.owner, team.org);
    const key = await createKey(team.owner, team.org, svc.slug, ALL_PERMISSIONS);
    const readOnly = await createKey(team.owner, team.org, svc.slug, ['read:service']);
    const org = await team.owner.client.get<{ organization: { id: string } }>(`/api/organizations/${team.org}`);
    w = {
      base: srv.url,
      ...team,
      orgId: org.body.organization.id,
      svc,
      key,
      readOnly: new Client(srv.url).apiKey(readOnly.key),
      hookUrl: receiver.url,
      secrets: [key.key, readOnly.key, SECRET_PASSWORD],
    };
  });

  it('every write of /openapi.json is audited or listed as not an organization write', async () => {
    const writes = await writeOperations(srv.url);
    expect(writes.length).toBeGreaterThan(30);
    const unaccounted = writes.filter((op) => !(op in SCENARIOS) && !(op in NOT_AUDITED));
    expect(unaccounted, 'a new write needs an audit scenario (test/helpers/audit-scenarios*.ts)').toEqual([]);
    // Both lists name only real operations, and none twice.
    expect(Object.keys(SCENARIOS).filter((op) => !writes.includes(op))).toEqual([]);
    expect(Object.keys(NOT_AUDITED).filter((op) => !writes.includes(op) || op in SCENARIOS)).toEqual([]);
  });

  it.each(Object.keys(SCENARIOS))('%s: one event when done, none when refused', async (op) => {
    const make = SCENARIOS[op];
    if (!make) throw new Error(`no scenario for ${op}`);
    const p = await make(w);
    const before = await count(srv);

    if (p.forbidden) {
      const refused = await p.forbidden.request(p.method, p.path, p.body);
      expect(refused.status, refused.text).toBe(403);
    }
    if (p.badBody) {
      const bad = await p.as.request(p.method, p.path, { ...p.body, not_a_field: true });
      expect(bad.status, bad.text).toBe(400);
    }
    expect(await count(srv), 'a refused request writes no event').toBe(before);

    const res: Res = await p.as.request(p.method, p.path, p.body, { 'user-agent': 'audit-test/1.0' });
    expect(res.status, res.text).toBeLessThan(300);
    w.secrets.push(...(res.text.match(SECRET_SHAPES) ?? []));
    expect(await count(srv), 'exactly one event').toBe(before + 1);
    performed.push(op);

    const stored = await srv.deps.db.auditEvent.findFirstOrThrow({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    const target = typeof p.target === 'string' ? p.target : p.target(res);
    expect(target).toMatch(/^[a-z]+_/);
    expect(stored).toMatchObject({ action: p.action, actorType: p.actor.type, actorId: p.actor.id, targetId: target });
    expect(stored.requestId).toBe(res.headers.get('x-request-id'));
    expect(stored.userAgent).toBe('audit-test/1.0');
    expect(stored.ip).toBeTruthy();
    if (p.org === null) return;
    // …and the organization's admin reads the same event at the top of its log.
    const owner = p.actor.type === 'account' && p.method === 'POST' && op === 'POST /api/organizations' ? p.as : w.owner.client;
    const log = await owner.get<{ events: AuditEventBody[]; total: number }>(`/api/organizations/${p.org}/audit-events?limit=1`);
    expect(log.status, log.text).toBe(200);
    const [event] = log.body.events;
    expect(event).toMatchObject({ id: stored.id, action: p.action, actor: { type: p.actor.type, id: p.actor.id }, target: { id: target } });
    if (p.actor.type === 'account') expect(event?.actor.email).toMatch(/@example\.com$/);
    expect(event?.created_at).toMatch(/Z$/);
  });

  it('no event holds a secret the calls saw or the database stores (attack 47)', async () => {
    expect(performed.length).toBe(Object.keys(SCENARIOS).length);
    const db = srv.deps.db;
    const stored = [
      ...(await db.apiKey.findMany({ select: { keyHash: true } })).map((k) => k.keyHash),
      ...(await db.user.findMany({ select: { passwordHash: true } })).flatMap((u) => (u.passwordHash ? [u.passwordHash] : [])),
      ...(await db.samlCertificate.findMany({ select: { encryptedPrivateKey: true } })).map((c) => c.encryptedPrivateKey),
      ...(await db.invitation.findMany({ select: { tokenHash: true } })).map((i) => i.tokenHash),
      ...(await db.passwordLink.findMany({ select: { tokenHash: true } })).map((l) => l.tokenHash),
      ...(await db.webhook.findMany({ select: { secret: true, previousSecret: true } })).flatMap((h) => [h.secret, h.previousSecret ?? h.secret]),
    ];
    const secrets = [...w.secrets, ...stored];
    expect(w.secrets.filter((s) => s.startsWith('pwl_')).length).toBeGreaterThan(0);
    expect(w.secrets.filter((s) => s.startsWith('sk_')).length).toBeGreaterThan(2);
    expect(w.secrets.filter((s) => s.startsWith('whsec_')).length).toBeGreaterThan(1);
    const events = await db.auditEvent.findMany();
    expect(events.length).toBeGreaterThan(Object.keys(SCENARIOS).length);
    const text = JSON.stringify(events);
    for (const secret of secrets) expect(text.includes(secret), `an event holds ${secret.slice(0, 8)}…`).toBe(false);
    expect(text).not.toMatch(/PRIVATE KEY|\$argon2|password_hash|key_hash/i);
    // Through the API too, with every page of the organization's log.
    const api = await w.owner.client.get<{ events: AuditEventBody[]; total: number }>(`/api/organizations/${w.org}/audit-events?limit=100`);
    expect(api.body.total).toBeGreaterThan(20);
    for (const secret of secrets) expect(api.text.includes(secret)).toBe(false);
  });

  it('no route changes or deletes an event (attack 47)', async () => {
    const [event] = (await w.owner.client.get<{ events: AuditEventBody[] }>(`/api/organizations/${w.org}/audit-events?limit=1`)).body.events;
    if (!event) throw new Error('no event to attack');
    const before = await count(srv);
    for (const base of [`/api/organizations/${w.org}/audit-events`, `/api/organizations/${w.org}/sign-ins`]) {
      for (const path of [base, `${base}/${event.id}`]) {
        for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
          const res = await w.owner.client.request(method, path, method === 'DELETE' ? undefined : { action: 'x' });
          expect([404, 405], `${method} ${path}: ${res.status}`).toContain(res.status);
        }
      }
    }
    expect(await count(srv)).toBe(before);
    expect(await srv.deps.db.auditEvent.findUnique({ where: { id: event.id } })).toMatchObject({ id: event.id, action: event.action });
  });

  it('an empty PATCH answers with the object as it is and writes nothing: no event, no webhook event, the same updated_at', async () => {
    const o = `/api/organizations/${w.org}`;
    const s = `${o}/services/${w.svc.slug}`;
    const plan = await w.owner.client.post<{ plan: { id: string } }>(`${s}/plans`, { name: 'Empty Patch', price_cents: 100, currency: 'usd', features: [] });
    const user = await w.owner.client.post<{ user: { id: string } }>(`${o}/users`, { email: 'empty.patch@example.com' });
    const hook = await w.owner.client.post<{ webhook: { id: string } }>(`${o}/webhooks`, { url: w.hookUrl, events: ['*'] });
    expect([plan.status, user.status, hook.status]).toEqual([201, 201, 201]);
    const api = new Client(srv.url).apiKey(w.key.key);
    const subscriber = await api.post<{ id: string }>('/api/service/users', { email: 'empty.patch.sub@example.com' });
    expect((await api.post('/api/service/subscriptions', { user_id: subscriber.body.id, plan_id: plan.body.plan.id })).status).toBe(200);
    const before = { audit: await count(srv), events: await srv.deps.db.webhookEvent.count() };
    const orgBefore = await srv.deps.db.organization.findUniqueOrThrow({ where: { slug: w.org } });
    for (const [client, path] of [
      [w.owner.client, o],
      [w.owner.client, s],
      [w.owner.client, `${s}/plans/${plan.body.plan.id}`],
      [w.owner.client, `${o}/users/${user.body.user.id}`],
      [w.owner.client, `${o}/webhooks/${hook.body.webhook.id}`],
      [api, '/api/service/info'],
      [api, `/api/service/subscriptions/${subscriber.body.id}`],
    ] as const) {
      const res = await client.patch(path, {});
      expect(res.status, path).toBe(200);
    }
    expect({ audit: await count(srv), events: await srv.deps.db.webhookEvent.count() }).toEqual(before);
    expect((await srv.deps.db.organization.findUniqueOrThrow({ where: { slug: w.org } })).updatedAt).toEqual(orgBefore.updatedAt);
  });
});
