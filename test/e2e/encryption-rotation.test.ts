// Rotating TESSERA_ENCRYPTION_KEY with `tessera encryption-key rotate`: every SAML private key is
// re-sealed under the new key; a server with the new key signs, one with the old key fails closed.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { deferredCleanups } from '../helpers/suite.ts';
import { databases } from '../helpers/databases.ts';
import { startTestServer, TEST_SECRET } from '../helpers/server.ts';
import { CookieJar, browserFetch, completeSignIn, samlWorld, type SamlWorld } from '../helpers/saml.ts';
import { authnRequest, redirectQuery } from '../helpers/saml-attacks.ts';
import { PASSWORD, createOrg, registerAdmin } from '../helpers/fixtures.ts';
import { enableTotp } from '../helpers/admin-totp.ts';
import { Client } from '../helpers/http.ts';
import { Receiver } from '../helpers/webhook-receiver.ts';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '..', '..', 'bin', 'tessera.mjs');
const NEW_KEY = 'a-new-production-encryption-key-0123456789';

describe.each(databases())('encryption key rotation on $name', (factory) => {
  const defer = deferredCleanups();

  const cli = async (env: Record<string, string>) => {
    // Only the keys this call names: nothing inherited from the test process's environment.
    const { TESSERA_OLD_ENCRYPTION_KEY: _old, TESSERA_ENCRYPTION_KEY: _new, ...inherited } = process.env;
    try {
      const { stdout } = await run(process.execPath, [bin, 'encryption-key', 'rotate'], {
        env: { ...inherited, TESSERA_SECRET: TEST_SECRET, NODE_ENV: 'test', ...env },
      });
      return { code: 0, out: stdout };
    } catch (err) {
      const x = err as { code: number; stderr: string };
      return { code: x.code, out: x.stderr };
    }
  };

  const signIn = async (base: string, world: SamlWorld) => {
    const sso = `${base}/saml/${world.org}/${world.svc.slug}/sso`;
    const jar = new CookieJar();
    const first = await browserFetch(jar, `${sso}?${redirectQuery(authnRequest(sso))}`);
    return completeSignIn({ ...world, base }, jar, first);
  };

  it('re-seals every private key from the development key to a new key, once', async () => {
    const db = await factory.create();
    defer(() => db.drop());
    const before = await startTestServer(factory, {}, db); // development key
    const world = await samlWorld(before.url);
    const admin = await registerAdmin(before.url, 'rotate-totp'); // with TOTP: its secret is sealed too
    const clock = await enableTotp(admin);
    await before.close(1000);

    const first = await cli({ DATABASE_URL: db.url, TESSERA_ENCRYPTION_KEY: NEW_KEY });
    expect(first.code).toBe(0);
    expect(first.out).toContain('re-encrypted 1 private key(s); 0 already');
    expect(first.out).toContain('1 TOTP secret(s) re-encrypted');
    const again = await cli({ DATABASE_URL: db.url, TESSERA_ENCRYPTION_KEY: NEW_KEY });
    expect(again.out).toContain('re-encrypted 0 private key(s); 1 already');
    const wrongOld = await cli({ DATABASE_URL: db.url, TESSERA_ENCRYPTION_KEY: 'yet-another-key-0123456789', TESSERA_OLD_ENCRYPTION_KEY: 'not-the-old-key' });
    expect(wrongOld.code).toBe(1);
    expect(wrongOld.out).toContain('nothing was changed');

    const rotated = await startTestServer(factory, { TESSERA_ENCRYPTION_KEY: NEW_KEY }, db);
    defer(() => rotated.close(1000));
    const ok = await signIn(rotated.url, world);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('name="SAMLResponse"');
    const password = await new Client(rotated.url).post<{ mfa_token: string }>('/api/auth/login', { email: admin.email, password: PASSWORD });
    const code = await new Client(rotated.url).post('/api/auth/login/totp', { mfa_token: password.body.mfa_token, code: await clock.next() });
    expect(code.status, code.text).toBe(200);

    const stale = await startTestServer(factory, {}, db); // still on the development key
    defer(() => stale.close(1000));
    const refused = await signIn(stale.url, world);
    expect(refused.status).toBe(503);
    expect(refused.text).not.toContain('SAMLResponse');
  });

  it('re-seals webhook secrets too: deliveries after the rotation still verify with the same secret', async () => {
    const db = await factory.create();
    defer(() => db.drop());
    const receiver = await Receiver.start();
    defer(() => receiver.close());
    const allow = { TESSERA_WEBHOOKS_ALLOW_PRIVATE: 'true' };
    const before = await startTestServer(factory, allow, db); // development key
    const admin = await registerAdmin(before.url);
    const org = await createOrg(admin);
    const hook = await admin.client.post<{ webhook: { id: string }; secret: string }>(`/api/organizations/${org}/webhooks`, {
      url: receiver.url,
      events: ['*'],
    });
    expect(hook.status).toBe(201);
    receiver.secrets = [hook.body.secret];
    await before.close(1000);

    const first = await cli({ DATABASE_URL: db.url, TESSERA_ENCRYPTION_KEY: NEW_KEY });
    expect(first.out).toContain('1 webhook secret(s) re-encrypted');
    const rotated = await startTestServer(factory, { ...allow, TESSERA_ENCRYPTION_KEY: NEW_KEY }, db);
    defer(() => rotated.close(1000));
    const sent = await fetch(`${rotated.url}/api/organizations/${org}/webhooks/${hook.body.webhook.id}/test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.accessToken}` },
    });
    expect(sent.status).toBe(202);
    await receiver.waitFor(() => receiver.hits.length === 1, 'the test event');
    expect(receiver.hits[0]?.verifiedBy).toEqual([0]);
  });
});
