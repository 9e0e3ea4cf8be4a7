// SP-initiated SSO in a real headless Chromium (Debian's /usr/bin/chromium via playwright-core):
// the SP page, Tessera's sign-in page (screenshot saved under test/artifacts/), the auto-POST landing
// at a node-saml ACS that validates the Response.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { hasChromium, launchChromium, openSignInFromSp } from '../helpers/chromium.ts';
import { deferredCleanups } from '../helpers/suite.ts';
import { databases } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startDemoSp, type DemoSp } from '../../scripts/demo-sp.ts';
import { createOrg, createService, registerAdmin } from '../helpers/fixtures.ts';
import { USER_PASSWORD } from '../helpers/saml.ts';
import { uniqueEmail } from '../helpers/http.ts';

const sqlite = databases()[0];
const artifacts = join(import.meta.dirname, '..', 'artifacts');

describe.runIf(hasChromium && sqlite)('SSO in headless Chromium', () => {
  let srv: TestServer;
  let sp: DemoSp;
  let browser: Browser;
  let email: string;
  const defer = deferredCleanups();

  beforeAll(async () => {
    if (!sqlite) return;
    // Browsers accept Secure cookies on http://localhost only: address Tessera by that name (`:0` is
    // replaced by the port the server binds).
    srv = await startTestServer(sqlite, { PUBLIC_URL: 'http://localhost:0' });
    defer(() => srv.stop());
    sp = await startDemoSp('localhost');
    defer(() => sp.close());
    const admin = await registerAdmin(srv.url);
    const org = await createOrg(admin);
    const svc = await createService(admin, org);
    email = uniqueEmail('browser');
    expect((await admin.client.post(`/api/organizations/${org}/users`, { email, password: USER_PASSWORD })).status).toBe(201);
    const cfg = await admin.client.post(`/api/organizations/${org}/services/${svc.slug}/saml`, {
      enabled: true,
      entity_id: sp.entityId,
      acs_url: sp.acsUrl,
      attribute_mapping: { email: 'email' },
    });
    expect(cfg.status).toBe(200);
    const saml = await admin.client.get<{ sso_url: string; idp_entity_id: string }>(`/api/organizations/${org}/services/${svc.slug}/saml`);
    const cert = await admin.client.get<{ public_key: string }>(`/api/organizations/${org}/services/${svc.slug}/saml/certificate`);
    sp.configure({ ssoUrl: saml.body.sso_url, entityId: saml.body.idp_entity_id, certPem: cert.body.public_key });
    browser = await launchChromium();
    defer(() => browser.close());
  }, 60_000);

  it('signs in through the hosted page and lands on the SP with a validated assertion', async () => {
    const page = await browser.newPage();
    await openSignInFromSp(page, sp);
    expect(await page.locator('h1').textContent()).toContain('Sign in to');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'sign-in.png'), fullPage: true });

    await page.fill('#email', email);
    await page.fill('#password', 'not the password');
    await page.click('button[type=submit]');
    expect(await page.locator('.error').textContent()).toContain('incorrect');

    await page.fill('#password', USER_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${sp.url}/acs`);
    expect(await page.locator('#nameid').textContent()).toBe(email);

    // A second visit within the session skips the sign-in page entirely.
    await page.goto(`${sp.url}/signin`);
    await page.waitForURL(`${sp.url}/acs`);
    expect(await page.locator('#nameid').textContent()).toBe(email);
    await page.close();
  });
});
