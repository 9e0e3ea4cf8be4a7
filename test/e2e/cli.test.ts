// The `tessera` CLI run as a real process against a real database; its key then works over HTTP.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { databases, type TestDatabase } from '../helpers/databases.ts';
import { startTestServer, TEST_SECRET } from '../helpers/server.ts';
import { Client } from '../helpers/http.ts';
import { TotpClock } from '../helpers/admin-totp.ts';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '..', '..', 'bin', 'tessera.mjs');

describe.each(databases())('tessera CLI on $name', (factory) => {
  let db: TestDatabase;
  const cli = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
        env: {
          ...process.env,
          DATABASE_URL: db.url,
          TESSERA_SECRET: TEST_SECRET,
          NODE_ENV: 'test',
          PUBLIC_URL: 'https://idp.example.com',
        },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  beforeAll(async () => {
    db = await factory.create();
    return () => db.drop();
  });

  it('migrates, creates an account, organization, service and a working API key', async () => {
    expect((await cli('migrate')).code).toBe(0);
    const acct = await cli('account', 'create', '--email', 'Owner@Example.com', '--password', 'a long enough password');
    expect(acct.code).toBe(0);
    expect(acct.stdout).toContain('<owner@example.com>');
    expect(acct.stdout).not.toContain('a long enough password');
    const generated = await cli('account', 'create', '--email', 'second@example.com');
    expect(generated.stdout).toMatch(/password \(shown once\): \S{20,}/);
    expect((await cli('org', 'create', '--slug', 'acme', '--name', 'Acme', '--owner', 'owner@example.com')).code).toBe(0);
    expect((await cli('service', 'create', '--org', 'acme', '--slug', 'web', '--name', 'Web', '--type', 'api')).code).toBe(0);
    const key = await cli('api-key', 'create', '--org', 'acme', '--service', 'web', '--permissions', 'read:service,read:users', '--environment', 'test');
    expect(key.code).toBe(0);
    const raw = /key \(shown once, store it now\): (sk_test_\S+)/.exec(key.stdout)?.[1];
    expect(raw).toBeDefined();

    const srv = await startTestServer(factory, {}, db);
    try {
      const info = await new Client(srv.url).apiKey(raw ?? '').get<{ slug: string; service_type: string }>('/api/service/info');
      expect(info.status).toBe(200);
      expect(info.body).toMatchObject({ slug: 'web', service_type: 'api' });
      const login = await new Client(srv.url).post('/api/auth/login', { email: 'owner@example.com', password: 'a long enough password' });
      expect(login.status).toBe(200);
    } finally {
      await srv.close(1000);
    }
  }, 120_000); // each step starts the compiled CLI (dist/, kept fresh by test/helpers/server-build.ts)

  it('sets max services and makes password links for directory users', async () => {
    const set = await cli('org', 'set-max-services', 'acme', '1');
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('max_services = 1');
    const over = await cli('service', 'create', '--org', 'acme', '--slug', 'second', '--name', 'Second');
    // The CLI is the operator's tool: the per-org limit binds the API, not the operator.
    expect(over.code).toBe(0);
    const noUser = await cli('user', 'password-link', '--org', 'acme', '--email', 'nobody@example.com');
    expect(noUser.code).toBe(2);
    expect(noUser.stderr).toContain('no user nobody@example.com');
  }, 120_000); // each step starts the compiled CLI (dist/, kept fresh by test/helpers/server-build.ts)

  it('refuses bad input with a clear message and a non-zero exit code', async () => {
    const cases: [string[], number, RegExp][] = [
      [['account', 'create', '--email', 'not-an-email'], 2, /Invalid email/],
      [['account', 'create', '--email', 'owner@example.com', '--password', 'another long password'], 3, /already exists/],
      [['org', 'create', '--slug', 'api', '--name', 'X', '--owner', 'owner@example.com'], 2, /reserved/],
      [['org', 'create', '--slug', 'other', '--name', 'X', '--owner', 'ghost@example.com'], 2, /no account/],
      [['org', 'set-max-services', 'acme', '-3'], 2, /integer/],
      [['api-key', 'create', '--org', 'acme', '--service', 'web', '--permissions', 'read:everything'], 2, /Unknown permission/],
      [['api-key', 'create', '--org', 'acme', '--service', 'nope', '--permissions', 'read:users'], 2, /no service/],
      [['frobnicate'], 2, /unknown command/],
    ];
    for (const [args, code, message] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  }, 120_000); // each step starts the compiled CLI (dist/, kept fresh by test/helpers/server-build.ts)

  it('records each of its writes in the audit log as the system actor, and nothing for a refused command', async () => {
    const dup = await cli('org', 'create', '--slug', 'acme', '--name', 'Again', '--owner', 'owner@example.com');
    expect(dup.code).toBe(3);
    const srv = await startTestServer(factory, {}, db);
    try {
      const login = await new Client(srv.url).post<{ access_token: string }>('/api/auth/login', {
        email: 'owner@example.com',
        password: 'a long enough password',
      });
      const log = await new Client(srv.url)
        .bearer(login.body.access_token)
        .get<{ events: { action: string; actor: { type: string; id: string }; ip: string | null; changes: Record<string, unknown> | null }[]; total: number }>(
          '/api/organizations/acme/audit-events?limit=100',
        );
      expect(log.status).toBe(200);
      expect(log.body.events.map((e) => `${e.action} ${e.actor.id}`).reverse()).toEqual([
        'organization.created cli:org create',
        'service.created cli:service create',
        'api_key.created cli:api-key create',
        'organization.updated cli:org set-max-services',
        'service.created cli:service create',
      ]);
      expect(log.body.events.every((e) => e.actor.type === 'system' && e.ip === null)).toBe(true);
      expect(log.body.events.find((e) => e.action === 'organization.updated')?.changes).toEqual({ max_services: 1 });
      expect(log.text).not.toMatch(/sk_test_|key_hash/);

      // An admin who lost their authenticator app: the operator turns TOTP off, audited as the system.
      const owner = new Client(srv.url).bearer(login.body.access_token);
      const start = await owner.post<{ secret: string }>('/api/auth/mfa/totp', { password: 'a long enough password' });
      expect((await owner.post('/api/auth/mfa/totp/confirm', { code: await new TotpClock(start.body.secret).next() })).status).toBe(200);
      const reset = await cli('account', 'reset-totp', '--email', 'owner@example.com');
      expect(reset.stdout).toMatch(/^TOTP turned off for acct_/);
      expect((await owner.get<{ mfa: { totp: boolean } }>('/api/auth/me')).body.mfa).toEqual({ totp: false });
      const latest = await owner.get<{ events: { action: string; actor: { id: string } }[] }>('/api/organizations/acme/audit-events?limit=2');
      expect(latest.body.events.map((e) => `${e.action} ${e.actor.id}`)).toEqual([
        'account.totp_disabled cli:account reset-totp',
        expect.stringMatching(/^account\.totp_enabled acct_/),
      ]);
    } finally {
      await srv.close(1000);
    }
  }, 120_000); // each step starts the compiled CLI (dist/, kept fresh by test/helpers/server-build.ts)
});
