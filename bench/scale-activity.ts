// The activity part of npm run bench:scale: GET …/sign-ins and GET …/audit-events of an organization
// with 1 000 000 sign-in rows and 1 000 000 audit events over 90 days (target: < 50 ms), through HTTP
// as its admin, for since= near now and far back and with each other filter the lists take; and the
// PostgreSQL plan (EXPLAIN ANALYZE) of the statements behind the slowest shapes.
import type pg from 'pg';
import http from 'node:http';

export const ACTIVITY_ROWS = 1_000_000;
const SLUG = 'activity';
const DAYS = 90;

/** An admin account and its organization, made through the admin plane like any other. */
export async function activityAdmin(base: string): Promise<{ token: string; orgId: string }> {
  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path} → ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const { access_token: token } = (await post('/api/auth/register', { email: 'admin@activity.example', password: 'bench-activity-password-1' })) as {
    access_token: string;
  };
  const { organization } = (await post('/api/organizations', { slug: SLUG, name: 'Activity' }, token)) as { organization: { id: string } };
  return { token, orgId: organization.id };
}

/**
 * Three services, then the rows by generate_series: one sign-in every ~8 s and one audit event every
 * ~8 s over 90 days; 1 in 10 sign-ins refused (two reasons), users spread over 50 000 ids.
 */
export async function seedActivity(client: pg.Client, orgId: string): Promise<void> {
  const q = (sql: string, params: unknown[] = []) => client.query(sql, params);
  await q(
    `INSERT INTO services (id, organization_id, slug, name, service_type, client_id, redirect_uris, created_at, updated_at)
       SELECT 'svc_act' || g, $1, 'app' || g, 'App ' || g, 'web', 'act' || g, '[]', now(), now() FROM generate_series(1, 3) g`,
    [orgId],
  );
  const step = `((${DAYS} * 86400.0 / $2) * g || ' seconds')::interval`;
  await q(
    `INSERT INTO sign_ins (id, organization_id, flow, outcome, reason, user_id, email, service_id, binding, authn_context, ip, user_agent, request_id, created_at)
       SELECT 'sgn_act' || lpad(g::text, 8, '0'), $1, CASE WHEN g % 4 = 0 THEN 'login' ELSE 'sso' END,
         CASE WHEN g % 10 = 0 THEN 'refused' ELSE 'success' END,
         CASE WHEN g % 20 = 0 THEN 'wrong_password' WHEN g % 10 = 0 THEN 'unknown_user' END,
         'usr_act' || (1 + (g::bigint * 7919) % 50000), 'user' || (1 + (g::bigint * 7919) % 50000) || '@activity.example', 'svc_act' || (1 + g % 3),
         'post', NULL, '203.0.113.' || (g % 250), 'bench', 'req_act' || g, now() - ${step}
       FROM generate_series(1, $2) g`,
    [orgId, ACTIVITY_ROWS],
  );
  await q(
    `INSERT INTO audit_events (id, organization_id, action, actor_type, actor_id, actor_email, target_type, target_id, ip, user_agent, request_id, changes, created_at)
       SELECT 'aud_act' || lpad(g::text, 8, '0'), $1, CASE WHEN g % 3 = 0 THEN 'service.updated' ELSE 'member.updated' END, 'account',
         'acct_act' || (g % 40), 'admin' || (g % 40) || '@activity.example', 'service', 'svc_act' || (1 + g % 3), '203.0.113.9', 'bench',
         'req_aud' || g, NULL, now() - ${step}
       FROM generate_series(1, $2) g`,
    [orgId, ACTIVITY_ROWS],
  );
  // Their day counters, from the rows themselves, as the migration backfills them (src/audit/day-counts.ts).
  await q(
    `INSERT INTO sign_in_counts (organization_id, day, outcome, reason, service_id, count)
       SELECT organization_id, date_trunc('day', created_at), outcome, COALESCE(reason, ''), COALESCE(service_id, ''), COUNT(*)
       FROM sign_ins WHERE organization_id = $1 AND id LIKE 'sgn_act%' GROUP BY 1, 2, 3, 4, 5
     ON CONFLICT (organization_id, day, outcome, reason, service_id) DO UPDATE SET count = sign_in_counts.count + EXCLUDED.count`,
    [orgId],
  );
  await q(
    `INSERT INTO audit_event_counts (organization_id, day, action, count)
       SELECT organization_id, date_trunc('day', created_at), action, COUNT(*)
       FROM audit_events WHERE organization_id = $1 AND id LIKE 'aud_act%' GROUP BY 1, 2, 3
     ON CONFLICT (organization_id, day, action) DO UPDATE SET count = audit_event_counts.count + EXCLUDED.count`,
    [orgId],
  );
  await q('VACUUM ANALYZE sign_ins');
  await q('VACUUM ANALYZE audit_events');
}

const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** The list shapes measured: a name and the path under /api/organizations/activity. */
export function activityPaths(): [string, string][] {
  const near = encodeURIComponent(iso(HOUR));
  const far = encodeURIComponent(iso(89 * DAY));
  const month = `since=${encodeURIComponent(iso(30 * DAY))}&until=${encodeURIComponent(iso(29 * DAY))}`;
  return [
    ['/sign-ins?since=1 h ago', `/sign-ins?since=${near}`],
    ['/sign-ins?since=89 d ago', `/sign-ins?since=${far}`],
    ['/sign-ins (no filter)', `/sign-ins`],
    ['/sign-ins?since=89 d ago&offset=10000', `/sign-ins?since=${far}&offset=10000`],
    ['/sign-ins?since=89 d ago&outcome=refused', `/sign-ins?since=${far}&outcome=refused`],
    ['/sign-ins?since=89 d ago&reason=wrong_password', `/sign-ins?since=${far}&reason=wrong_password`],
    ['/sign-ins?since=89 d ago&service=app2', `/sign-ins?since=${far}&service=app2`],
    ['/sign-ins?since=89 d ago&user_id=…', `/sign-ins?since=${far}&user_id=usr_act4242`],
    ['/sign-ins?request_id=…', `/sign-ins?request_id=req_act500000`],
    ['/sign-ins?since=30 d ago&until=29 d ago', `/sign-ins?${month}`],
    ['/audit-events?since=1 h ago', `/audit-events?since=${near}`],
    ['/audit-events?since=89 d ago', `/audit-events?since=${far}`],
    ['/audit-events?since=89 d ago&action=service.updated', `/audit-events?since=${far}&action=service.updated`],
    ['/audit-events?since=89 d ago&actor=acct_…', `/audit-events?since=${far}&actor=acct_act7`],
    ['/audit-events?since=89 d ago&actor=email', `/audit-events?since=${far}&actor=admin7@activity.example`],
  ];
}

/**
 * One request's time, on a kept-alive connection (node:http, one socket, as a backend's HTTP client
 * keeps one): fetch's own overhead per request was about 1 ms here, as much as a cached request's
 * whole time on the server, so figures taken through it said more about the client than the server.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
export function timedGet(url: string, headers: Record<string, string>): Promise<number> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) resolve(performance.now() - t);
        else reject(new Error(`${url} → ${String(res.statusCode)}`));
      });
    });
    req.on('error', reject);
  });
}

/**
 * The plans of the statements behind a page and its total (the same SQL shape Prisma sends for
 * findMany and count), for the shapes that read most: since= far back, alone and with a filter.
 */
export async function explainActivity(client: pg.Client, orgId: string): Promise<string[]> {
  const far = new Date(Date.now() - 89 * DAY);
  const shapes: [string, string, unknown[]][] = [
    [
      'sign-ins since far: page',
      `SELECT * FROM sign_ins WHERE organization_id = $1 AND created_at >= $2 ORDER BY created_at DESC, id DESC LIMIT 50 OFFSET 0`,
      [orgId, far],
    ],
    ['sign-ins since far: total', `SELECT COUNT(*) FROM (SELECT id FROM sign_ins WHERE organization_id = $1 AND created_at >= $2 OFFSET 0) s`, [orgId, far]],
    [
      'sign-ins since far, outcome=refused: page',
      `SELECT * FROM sign_ins WHERE organization_id = $1 AND outcome = 'refused' AND created_at >= $2 ORDER BY created_at DESC, id DESC LIMIT 50 OFFSET 0`,
      [orgId, far],
    ],
    [
      'sign-ins since far, outcome=refused: total',
      `SELECT COUNT(*) FROM (SELECT id FROM sign_ins WHERE organization_id = $1 AND outcome = 'refused' AND created_at >= $2 OFFSET 0) s`,
      [orgId, far],
    ],
    [
      'sign-ins since far: total of the whole days, from the day counters (src/audit/totals.ts)',
      `SELECT SUM(count) FROM sign_in_counts WHERE organization_id = $1 AND day >= date_trunc('day', $2::timestamp) + interval '1 day'`,
      [orgId, far],
    ],
    [
      'audit-events since far, action: total',
      `SELECT COUNT(*) FROM (SELECT id FROM audit_events WHERE organization_id = $1 AND action = 'service.updated' AND created_at >= $2 OFFSET 0) s`,
      [orgId, far],
    ],
  ];
  const out: string[] = [];
  for (const [name, sql, params] of shapes) {
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
    out.push(`-- ${name}`, ...rows.map((r) => r['QUERY PLAN']));
  }
  return out;
}

/** The totals served (day counters plus edge rows) against a COUNT of the rows: a bench of wrong totals measures nothing. */
export async function checkTotals(client: pg.Client, base: string, token: string, orgId: string): Promise<void> {
  const far = new Date(Date.now() - 89 * DAY);
  const shapes: [string, string, unknown[]][] = [
    [
      `/sign-ins?since=${encodeURIComponent(far.toISOString())}`,
      'SELECT COUNT(*) AS n FROM sign_ins WHERE organization_id = $1 AND created_at >= $2',
      [orgId, far],
    ],
    [`/sign-ins?outcome=refused`, `SELECT COUNT(*) AS n FROM sign_ins WHERE organization_id = $1 AND outcome = 'refused'`, [orgId]],
    [
      `/audit-events?since=${encodeURIComponent(far.toISOString())}&action=service.updated`,
      `SELECT COUNT(*) AS n FROM audit_events WHERE organization_id = $1 AND created_at >= $2 AND action = 'service.updated'`,
      [orgId, far],
    ],
  ];
  for (const [path, sql, params] of shapes) {
    const res = await fetch(`${base}/api/organizations/${SLUG}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const { total } = (await res.json()) as { total: number };
    const { rows } = await client.query<{ n: string }>(sql, params);
    if (total !== Number(rows[0]?.n)) throw new Error(`${path}: total ${total}, rows ${rows[0]?.n ?? '?'}`);
  }
}
