// Second factors in a real headless Chromium: TOTP enrollment forced by policy (the code computed from
// the secret the page shows), and a passkey registered on /account then used to sign in, with
// Chromium's virtual authenticator (CDP WebAuthn.addVirtualAuthenticator). The browser library is
// Tessera's own copy, loaded under the page's nonce CSP: any CSP refusal fails the test. Each page on
// the way (enrollment, recovery codes, the factor page with a code and with a passkey, /account) is
// checked with axe-core under the organization's brand and saved to docs/screenshots/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { SCREENSHOTS, expectAccessible, hasChromium, launchChromium } from '../helpers/chromium.ts';
import { deferredCleanups } from '../helpers/suite.ts';
import { databases } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { USER_PASSWORD, SP_ACS, samlWorld, type SamlWorld } from '../helpers/saml.ts';
import { uniqueEmail } from '../helpers/http.ts';
import { totpCode } from '../helpers/mfa.ts';

const sqlite = databases()[0];
const MFA = 'https://refeds.org/profile/mfa';

describe.runIf(hasChromium && sqlite)('second factors in headless Chromium', () => {
  let srv: TestServer;
  let browser: Browser;
  let world: SamlWorld;
  const defer = deferredCleanups();

  beforeAll(async () => {
    if (!sqlite) return;
    // WebAuthn needs a domain as RP ID and browsers keep Secure cookies on http://localhost only.
    srv = await startTestServer(sqlite, { PUBLIC_URL: 'http://localhost:0' });
    defer(() => srv.stop());
    world = await samlWorld(srv.deps.config.publicUrl);
    const brand = { display_name: 'Acme Corp', primary_color: '#ffd43b', support_url: 'https://help.acme.example/' };
    expect((await world.admin.client.patch(`/api/organizations/${world.org}`, brand)).status).toBe(200);
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    defer(() => browser.close());
  }, 60_000);

  const addUser = async () => {
    const email = uniqueEmail('chromium');
    expect((await world.admin.client.post(`/api/organizations/${world.org}/users`, { email, password: USER_PASSWORD })).status).toBe(201);
    return email;
  };

  /**
   * A page whose CSP refusals are collected, and whose posts to the SP's ACS are captured (the ACS is not
   * running). It has a context of its own (axe-core needs one); `close` closes that context, which is
   * what ends the page. Closing the page alone, with a CDP session holding a virtual authenticator, hung
   * under load until afterAll closed the browser (the test then timed out after its last step had run);
   * the passkey test detaches its CDP session first.
   */
  const openPage = async (): Promise<{ page: Page; refusals: string[]; acs: () => Promise<string>; close: () => Promise<void> }> => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const refusals: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/.test(m.text())) refusals.push(m.text());
    });
    let resolve: (xml: string) => void = () => undefined;
    const posted = new Promise<string>((r) => (resolve = r));
    await page.route(`${SP_ACS}**`, async (route) => {
      const body = new URLSearchParams(route.request().postData() ?? '');
      resolve(Buffer.from(body.get('SAMLResponse') ?? '', 'base64').toString('utf8'));
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'ACS reached' });
    });
    return { page, refusals, acs: () => posted, close: () => context.close() };
  };

  /** The page passes axe and is saved as docs/screenshots/<name>.png (the whole page). */
  const shoot = async (page: Page, name: string) => {
    await expectAccessible(page, name);
    expect(await page.textContent('header.brand')).toContain('Acme Corp');
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  };

  const signInWithPassword = async (page: Page, email: string) => {
    await page.goto(world.urls.sso.replace(/\/sso$/, '/init'));
    await page.waitForURL(/\/login\?state=/);
    await page.fill('#email', email);
    await page.fill('#password', USER_PASSWORD);
    await page.click('button[type=submit]');
  };

  it('enrolls TOTP when the organization requires it, before the Response', async () => {
    const email = await addUser();
    expect((await world.admin.client.patch(`/api/organizations/${world.org}`, { mfa_policy: 'required' })).status).toBe(200);
    try {
      const { page, refusals, acs, close } = await openPage();
      await signInWithPassword(page, email);
      const secret = ((await page.locator('#totp-secret').textContent()) ?? '').replace(/ /g, '');
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(await page.locator('#totp-uri').getAttribute('href')).toMatch(/^otpauth:\/\/totp\//);
      await shoot(page, 'mfa-enroll');
      await page.fill('#totp', await totpCode(secret));
      await page.click('button[type=submit]');
      expect(await page.locator('#recovery-codes li').count()).toBe(10);
      await shoot(page, 'mfa-recovery-codes');
      await page.click('button[type=submit]');
      expect(await acs()).toContain(`<saml:AuthnContextClassRef>${MFA}</saml:AuthnContextClassRef>`);
      expect(refusals).toEqual([]);
      await page.waitForURL((u) => u.href.startsWith(SP_ACS)); // the auto-POST has landed
      // The next sign-in asks for a code from the app.
      await page.context().clearCookies();
      await signInWithPassword(page, email);
      await page.locator('#totp').waitFor();
      await shoot(page, 'mfa-factor-totp');
      await close();
    } finally {
      await world.admin.client.patch(`/api/organizations/${world.org}`, { mfa_policy: 'optional' });
    }
  }, 90_000); // a browser, axe on every page and a screenshot each: seconds alone, more under the whole suite

  it('registers a passkey on /account with the virtual authenticator, then signs in with it', async () => {
    const email = await addUser();
    const { page, refusals, acs, close } = await openPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    await page.goto(`${srv.deps.config.publicUrl}/account?org=${world.org}`);
    await page.fill('#email', email);
    await page.fill('#password', USER_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/account\?org=/);
    await page.click('form[action="/account/passkey/start"] button');
    await page.locator('#webauthn-start').waitFor({ state: 'visible' });
    await page.click('#webauthn-start');
    await page.locator('#recovery-codes').waitFor();
    expect(await page.locator('#recovery-codes li').count()).toBe(10);
    await page.goto(`${srv.deps.config.publicUrl}/account?org=${world.org}`);
    await shoot(page, 'account');
    const users = await world.admin.client.get<{ users: { email: string; mfa: { webauthn: number } }[] }>(
      `/api/organizations/${world.org}/users?email=${email}`,
    );
    expect(users.body.users[0]?.mfa.webauthn).toBe(1);

    // A new sign-in (the cookies go, the authenticator stays): password, then the passkey.
    await page.context().clearCookies();
    await signInWithPassword(page, email);
    await page.locator('#webauthn-start').waitFor({ state: 'visible' });
    await shoot(page, 'mfa-factor-passkey');
    await page.click('#webauthn-start');
    expect(await acs()).toContain(`<saml:AuthnContextClassRef>${MFA}</saml:AuthnContextClassRef>`);
    expect(refusals).toEqual([]);
    await cdp.detach();
    await close();
  }, 90_000); // a browser, axe on every page and a screenshot each: seconds alone, more under the whole suite
});
