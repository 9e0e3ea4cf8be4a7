// The admin console in headless Chromium (CONTRACT §15, SECURITY 46), driven only through its UI: an
// admin registers, creates an organization and a service (keyboard only), pastes a node-saml SP's
// metadata, adds a directory user with a password link; the user sets a password through the link and
// signs in at the SP, which validates the Response, then again through the console's test sign-in link
// (IdP-initiated SSO). Along the way: axe-core on every main view, no
// token in web storage or any URL, the refresh cookie's attributes, the session surviving a reload,
// the API key shown once, certificate staging and activation, and no horizontal scroll at 360 px.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SECRET_SHAPES, axeFindings, checkView, expectNoFindings, expectNoTokenExposed, openView } from '../helpers/console-browser.ts';
import { SCREENSHOTS, hasChromium, launchChromium, signInAtSp } from '../helpers/chromium.ts';
import { deferredCleanups } from '../helpers/suite.ts';
import { databases } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startDemoSp, type DemoSp } from '../../scripts/demo-sp.ts';
import { uniqueEmail } from '../helpers/http.ts';
import { uniqueSlug } from '../helpers/fixtures.ts';
import { Receiver } from '../helpers/webhook-receiver.ts';
import { TotpClock } from '../helpers/admin-totp.ts';

const sqlite = databases()[0];
// A screenshot of every checked view (docs/screenshots/ holds copies of the main ones).
const artifacts = join(import.meta.dirname, '..', 'artifacts', 'console');
const ADMIN_PASSWORD = 'console admin password 1';
const USER_PASSWORD = 'console user password 1';

async function noHorizontalScroll(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

/** Tabs until `selector` has the focus (keyboard only); fails after 60 presses. */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

describe.runIf(hasChromium && sqlite)('admin console in headless Chromium', () => {
  let srv: TestServer;
  let sp: DemoSp;
  let receiver: Receiver;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let base: string;
  const requested: string[] = [];
  const findings: Record<string, string[]> = {};
  const defer = deferredCleanups();
  const org = uniqueSlug('con');
  const svc = 'web-app';
  const userEmail = uniqueEmail('console-user');
  const adminEmail = uniqueEmail('console-admin');

  /**
   * axe on the current view, recorded under `name` (asserted together at the end of each test), and a
   * screenshot in test/artifacts/console/; `shot` also saves the viewport as docs/screenshots/console-<shot>.png.
   */
  async function check(name: string, shot?: string): Promise<void> {
    findings[name] = await checkView(page);
    await page.screenshot({ path: join(artifacts, `${name.replace(/\W+/g, '-')}.png`), fullPage: true });
    if (!shot) return;
    // Without the focus ring of the heading that a navigation focuses.
    await page.evaluate(() => {
      if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    });
    await page.screenshot({ path: join(SCREENSHOTS, `console-${shot}.png`) });
  }

  const go = (path: string) => openView(page, base, path);

  beforeAll(async () => {
    if (!sqlite) return;
    mkdirSync(artifacts, { recursive: true });
    // Addressed as 127.0.0.1: Chromium counts it as a secure context, so the Secure cookies work on http.
    // Webhooks may use http and loopback here only, so that a receiver in this process can take them.
    srv = await startTestServer(sqlite, { TESSERA_WEBHOOKS_ALLOW_PRIVATE: 'true' });
    defer(() => srv.stop());
    receiver = await Receiver.start();
    defer(() => receiver.close());
    base = srv.deps.config.publicUrl;
    // It also takes unsolicited Responses (InResponseTo checked when present): the test sign-in link runs IdP-initiated SSO.
    sp = await startDemoSp('localhost', 0, { acceptUnsolicited: true });
    defer(() => sp.close());
    browser = await launchChromium();
    defer(() => browser.close());
    admin = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await admin.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    page = await admin.newPage();
    // A step that never comes names its locator instead of running into the test's timeout.
    page.setDefaultTimeout(15_000);
    page.on('request', (r) => requested.push(r.url()));
  }, 60_000);

  it('walks the story: register, organization, service, SP metadata, user, password link, SSO validated by the SP', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await go('');
    expect(await page.locator('h1').textContent()).toBe('Sign in to Tessera');
    await check('sign in', 'sign-in');
    await page.click('text=Create an admin account');
    await check('register');
    await page.fill('#name', 'Ada Admin');
    await page.fill('#email', adminEmail);
    await page.fill('#password', 'short');
    await page.click('button[type=submit]');
    // The API's `details` shows beside the field it names.
    await expect.poll(() => page.locator('#password-error').textContent()).toContain('at least 10');
    expect(await page.getAttribute('#password', 'aria-invalid')).toBe('true');
    await page.fill('#password', ADMIN_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('h1:text("Organizations")');
    await page.locator('.empty').waitFor();
    await check('organizations (empty)');

    // The refresh token is a cookie no script can read, scoped to /api/auth.
    const cookies = await admin.cookies();
    const refresh = cookies.find((c) => c.name === 'tessera_refresh');
    expect(refresh).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/api/auth' });
    expect(cookies.filter((c) => c.name !== 'tessera_refresh')).toEqual([]);

    await page.fill('#org-name', 'Console Test Org');
    await page.fill('#org-slug', org);
    await page.click('text=Create organization');
    await page.waitForURL(`${base}/console/orgs/${org}/services`);
    await page.locator('.empty').waitFor();
    await check('services (empty)');

    // Keyboard only: from the top of the page to a created service.
    await page.locator('h1').focus();
    await tabTo(page, '#service-name');
    await page.keyboard.type('Web App');
    await page.keyboard.press('Tab');
    await page.keyboard.type(svc);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('service-type');
    // The focused control shows a visible focus indicator.
    expect(await page.evaluate(() => getComputedStyle(document.activeElement ?? document.body).outlineStyle)).not.toBe('none');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/console/orgs/${org}/services/${svc}`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Web App');
    await check('service overview', 'service');

    // The session survives a reload: the cookie brings a new access token, nothing else kept it.
    await page.reload();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Web App');

    await page.click('nav.tabs >> text=SAML');
    await page.locator('#sp-metadata').waitFor();
    await check('SAML (off)');
    await page.fill('#sp-metadata', '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>');
    await page.click('text=Import and enable SAML');
    await page.locator('#sp-metadata-error').waitFor();
    await page.fill('#sp-metadata', sp.metadata());
    await page.click('text=Import and enable SAML');
    await page.locator('#idp-certificate').waitFor();
    expect(await page.inputValue('#saml-entity-id')).toBe(sp.entityId);
    expect(await page.inputValue('#saml-acs-0-url')).toBe(sp.acsUrl);
    const ssoUrl = await page.inputValue('#idp-sso-url');
    expect(ssoUrl).toBe(`${base}/saml/${org}/${svc}/sso`);
    await page.click('button[aria-label="Copy SSO URL"]');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(ssoUrl);
    sp.configure({ ssoUrl, entityId: await page.inputValue('#idp-entity-id'), certPem: await page.inputValue('#idp-certificate') });
    await check('SAML (on)');

    await page.click('nav.sections >> text=Directory users');
    await page.locator('.empty').waitFor();
    await check('directory users (empty)');
    await page.fill('#user-email', userEmail);
    await page.click('text=Add user');
    await page.locator(`td:text("${userEmail}")`).waitFor();
    await page.click(`button[aria-label="Password link for ${userEmail}"]`);
    const link = await page.inputValue('#password-link');
    expect(link).toMatch(new RegExp(`^${base}/password\\?token=`));
    await check('directory users');

    // The user, in a browser of their own: the link, then SSO started at the SP.
    const user = await browser.newContext();
    const userPage = await user.newPage();
    await userPage.goto(link);
    await userPage.fill('#password', USER_PASSWORD);
    await userPage.fill('#confirm', USER_PASSWORD);
    await userPage.click('button[type=submit]');
    await expect.poll(() => userPage.locator('h1').textContent()).toBe('Password saved');
    await signInAtSp(userPage, sp, { email: userEmail, password: USER_PASSWORD });
    await user.close();

    // The test sign-in link runs IdP-initiated SSO in a new tab: Tessera's sign-in page for this service,
    // then an unsolicited Response at the SP's ACS, which validates it and shows the user's NameID.
    await go(`/orgs/${org}/services/${svc}/saml`);
    const [popup] = await Promise.all([admin.waitForEvent('page'), page.click('#test-sign-in')]);
    await popup.waitForURL(/\/login\?state=/);
    expect(await popup.locator('h1').textContent()).toContain('Sign in to');
    await popup.fill('#email', userEmail);
    await popup.fill('#password', USER_PASSWORD);
    await popup.click('button[type=submit]');
    await popup.waitForURL(sp.acsUrl);
    expect(await popup.locator('#error').count()).toBe(0);
    expect(await popup.locator('#nameid').textContent()).toBe(userEmail);
    await popup.close();

    expectNoFindings(findings, ...Object.keys(findings));
  }, 120_000);

  it('shows the sign-in of the story in the activity view and the changes in the audit log; a refused filter shows beside its field', async () => {
    await go(`/orgs/${org}/sign-ins`);
    // Two: the sign-in started at the SP and the test sign-in link's.
    const row = page.locator('tr[data-outcome="success"]', { hasText: userEmail }).first();
    await row.waitFor();
    expect(await row.textContent()).toContain(svc);
    await check('sign-in activity');
    await page.fill('#signin-reason', 'no_such_reason');
    await page.click('text=Apply filters');
    await expect.poll(() => page.locator('#signin-reason-error').textContent(), { timeout: 10_000 }).toContain('reason must be one of');
    expect(await page.getAttribute('#signin-reason', 'aria-invalid')).toBe('true');
    await page.selectOption('#signin-outcome', 'refused');
    await page.fill('#signin-reason', '');
    await page.click('text=Apply filters');
    await expect.poll(() => page.locator('tr[data-outcome="success"]').count(), { timeout: 10_000 }).toBe(0);

    await go(`/orgs/${org}/audit`);
    // Every step of the story, each by the admin who took it.
    for (const action of ['organization.created', 'service.created', 'saml.configured', 'user.created', 'user.password_link.created']) {
      const row = page.locator(`tr[data-action="${action}"]`).first();
      await row.waitFor();
      expect(await row.locator('td[data-label="Actor"]').textContent(), action).toContain(adminEmail);
    }
    await check('audit log');
    await page.fill('#audit-action', 'saml.configured');
    await page.click('text=Apply filters');
    await expect.poll(() => page.locator('tr[data-action="service.created"]').count(), { timeout: 10_000 }).toBe(0);
    expect(await page.locator('tr[data-action="saml.configured"]').count()).toBeGreaterThan(0);
    await page.fill('#audit-action', 'not.an.action');
    await page.click('text=Apply filters');
    await page.locator('#audit-action-error').waitFor();
    expectNoFindings(findings, 'sign-in activity', 'audit log');
  }, 60_000);

  it('adds a webhook with its secret shown once; a failed delivery shows its response code and is retried', async () => {
    await go(`/orgs/${org}/webhooks`);
    await page.locator('.empty').waitFor();
    await check('webhooks (empty)');
    await page.fill('#webhook-url', 'ftp://example.test/hook');
    await page.click('text=Add webhook');
    await page.locator('#webhook-url-error').waitFor();
    await page.fill('#webhook-url', receiver.url);
    await page.click('text=Add webhook');
    const secret = await page.inputValue('#webhook-secret');
    expect(secret).toMatch(/^whsec_/);
    receiver.secrets = [secret];
    await check('webhooks');
    // The first attempt fails with 500; the retry (due in a minute by the schedule) is brought forward by hand.
    receiver.answer = (nth) => (nth === 0 ? 500 : 200);
    await page.click('text=Send a test event');
    const delivery = page.locator('.deliveries li').first();
    // Refreshes the list until its newest delivery's text (or status) matches; nothing here waits on a missing row.
    const latest = async (what: 'text' | 'status') => {
      await page.click('text=Refresh deliveries');
      if ((await delivery.count()) === 0) return '';
      return (what === 'text' ? await delivery.textContent() : await delivery.getAttribute('data-status')) ?? '';
    };
    const slow = { timeout: 20_000, interval: 500 };
    await expect.poll(() => latest('text'), slow).toContain('last response 500');
    expect(await delivery.getAttribute('data-status')).toBe('pending');
    // A slow retry: the button says it is working and is disabled, so a double click retries once.
    // The request is held until the checks are done, however slow the machine.
    let retries = 0;
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    await page.route('**/deliveries/*/retry', async (route) => {
      retries++;
      await held;
      await route.fallback();
    });
    const retry = delivery.locator('button:text("Retry")');
    await retry.dblclick();
    await expect.poll(() => delivery.locator('button[aria-busy="true"]').textContent()).toBe('Working…');
    expect(await delivery.locator('button[aria-busy="true"]').isDisabled()).toBe(true);
    release();
    await delivery.locator('button[aria-busy="true"]').waitFor({ state: 'detached' });
    expect(retries).toBe(1);
    await page.unroute('**/deliveries/*/retry');
    await expect.poll(() => latest('status'), slow).toBe('succeeded');
    expect(await delivery.textContent()).toContain('2 attempts');
    const tests = receiver.of('webhook.test');
    expect(tests).toHaveLength(2);
    expect(tests.every((h) => h.verifiedBy.includes(0))).toBe(true);
    await check('webhook deliveries');
    // Gone on the next load: the secret is in no answer but the one that made it.
    await page.reload();
    await page.locator(`[data-url="${receiver.url}"]`).waitFor();
    expect(await page.locator('#webhook-secret').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    expectNoFindings(findings, 'webhooks (empty)', 'webhooks', 'webhook deliveries');
  }, 60_000);

  it('shows a new API key once, with permissions as described checkboxes; revokes after confirmation', async () => {
    await go(`/orgs/${org}/services/${svc}/keys`);
    await page.locator('.empty').waitFor();
    expect(await page.locator('label[for="perm-read:users"]').textContent()).toContain('Read user data');
    await page.fill('#key-name', 'backend');
    await page.click('text=Create key');
    expect(await page.locator('#key-perms-error').textContent()).toContain('At least one permission');
    await page.check('#perm-read\\:users');
    await page.check('#perm-write\\:subscriptions');
    await page.click('text=Create key');
    const key = await page.inputValue('#new-key');
    expect(key).toMatch(/^sk_live_/);
    await check('API keys', 'api-keys');
    await page.reload();
    await page.locator('text=read:users, write:subscriptions').waitFor();
    expect(await page.locator('#new-key').count()).toBe(0);
    expect(await page.content()).not.toContain(key);
    await page.click('text=Revoke key backend');
    await page.locator('dialog[open]').waitFor();
    await page.click('dialog[open] >> text=Cancel');
    expect(await page.locator('text=read:users, write:subscriptions').count()).toBe(1);
    await page.click('text=Revoke key backend');
    await page.click('dialog[open] >> button:text("Revoke")');
    await page.locator('.empty').waitFor();
    expectNoFindings(findings, 'API keys');
  }, 60_000);

  it('stages a certificate, activates it after confirmation, and can roll back', async () => {
    await go(`/orgs/${org}/services/${svc}/saml`);
    await page.locator('tr[data-status="active"]').waitFor();
    // Encryption without the SP's encryption certificate is refused, beside the checkbox.
    await page.fill('#saml-enc-cert', '');
    await page.check('#saml-encrypt');
    await page.click('text=Save SAML settings');
    await expect.poll(() => page.locator('#saml-encrypt-error').textContent()).toContain('sp_encryption_certificate');
    await page.uncheck('#saml-encrypt');
    // The NameID from one of the user's attributes: saved, and read back after a reload.
    await page.selectOption('#saml-nameid', 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified');
    await page.selectOption('#saml-nameid-source', 'attribute');
    await page.fill('#saml-nameid-attribute', 'not an attribute name');
    await page.click('text=Save SAML settings');
    await expect.poll(() => page.locator('#saml-nameid-attribute-error').textContent()).toContain('name_id_source');
    await page.fill('#saml-nameid-attribute', 'employee_id');
    const saved = () => page.waitForResponse((r) => r.url().endsWith('/saml') && r.request().method() === 'POST');
    const [first] = await Promise.all([saved(), page.click('text=Save SAML settings')]);
    expect(first.status()).toBe(200);
    await page.reload();
    await expect.poll(() => page.inputValue('#saml-nameid-source')).toBe('attribute');
    expect(await page.inputValue('#saml-nameid-attribute')).toBe('employee_id');
    expect(await page.inputValue('#saml-nameid')).toBe('urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified');
    await page.selectOption('#saml-nameid-source', 'id');
    const [second] = await Promise.all([saved(), page.click('text=Save SAML settings')]);
    expect(second.status()).toBe(200);
    await page.reload();
    await expect.poll(() => page.inputValue('#saml-nameid-source')).toBe('id');
    expect(await page.locator('#saml-nameid-attribute').count()).toBe(0);
    // A second ACS endpoint (the SP's metadata put the first at index 1): a bad URL, then a used index,
    // each refused beside row 2's field; saved with index 2, both endpoints are back after a reload.
    await page.click('text=Add an ACS endpoint');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('saml-acs-1-url');
    await page.fill('#saml-acs-1-url', 'ftp://example.test/acs');
    await page.click('text=Save SAML settings');
    await expect.poll(() => page.locator('#saml-acs-1-url-error').textContent()).toContain('absolute https URL');
    expect(await page.getAttribute('#saml-acs-1-url', 'aria-invalid')).toBe('true');
    expect(await page.locator('#saml-acs-0-url-error').count()).toBe(0);
    await page.fill('#saml-acs-1-url', `${sp.url}/acs-2`);
    await page.fill('#saml-acs-1-index', '1');
    await page.click('text=Save SAML settings');
    await expect.poll(() => page.locator('#saml-acs-1-index-error').textContent()).toContain('index 1 is used twice');
    await page.fill('#saml-acs-1-index', '2');
    const [third] = await Promise.all([saved(), page.click('text=Save SAML settings')]);
    expect(third.status()).toBe(200);
    await page.reload();
    await expect.poll(() => page.inputValue('#saml-acs-1-url')).toBe(`${sp.url}/acs-2`);
    expect([await page.inputValue('#saml-acs-0-url'), await page.inputValue('#saml-acs-0-index'), await page.inputValue('#saml-acs-1-index')]).toEqual([
      sp.acsUrl,
      '1',
      '2',
    ]);
    expect([await page.isChecked('#saml-acs-0-default'), await page.isChecked('#saml-acs-1-default')]).toEqual([true, false]);
    await check('SAML (two ACS endpoints)');
    await page.click('button:text("Stage a new certificate")');
    await page.locator('tr[data-status="pending"]').waitFor();
    await check('SAML (certificate staged)');
    await page.click('text=Activate staged certificate');
    expect(await page.locator('dialog[open] h2').textContent()).toBe('Activate the staged certificate?');
    findings['activate certificate dialog'] = await axeFindings(page);
    await page.click('dialog[open] >> button:text("Activate")');
    await expect.poll(() => page.locator('tr[data-status="pending"]').count()).toBe(0);
    expect(await page.locator('tr[data-status="inactive"]').count()).toBe(1);
    await page.click('text=/Roll back to certificate/');
    await page.click('dialog[open] >> button:text("Roll back")');
    await expect.poll(() => page.locator('tr[data-status="inactive"]').count()).toBe(1);
    expect(await page.locator('tr[data-status="active"]').count()).toBe(1);
    expectNoFindings(findings, 'SAML (two ACS endpoints)', 'SAML (certificate staged)', 'activate certificate dialog');
  }, 60_000);

  it('plans, members and settings pass axe; every main view fits 360 px without horizontal scroll', async () => {
    await go(`/orgs/${org}/services/${svc}/plans`);
    await page.locator('.empty').waitFor();
    await page.fill('#plan-name', 'Pro');
    await page.fill('#plan-price', '29');
    await page.fill('#plan-features', 'sso, reports');
    await page.click('text=Add plan');
    await page.locator('text=Features: sso, reports').waitFor();
    // Never rounded: more decimals than the currency has are refused beside the price; JPY has none.
    await page.fill('#plan-name', 'Yen');
    await page.fill('#plan-price', '1.234');
    await page.click('text=Add plan');
    await expect.poll(() => page.locator('#plan-price-error').textContent()).toContain('At most 2 decimals for USD');
    await page.fill('#plan-currency', 'jpy');
    await page.fill('#plan-price', '500');
    await page.click('text=Add plan');
    await expect.poll(() => page.locator('li:has(strong:text-is("Yen"))').textContent()).toMatch(/[¥￥]\s?500(?![\d.,])/);
    // Renamed, with other features: saved, and read back after a reload.
    await page.click('button[aria-label="Edit plan Pro"]');
    await page.fill('form[aria-label="Edit plan Pro"] [id$="-name"]', 'Pro Plus');
    await page.fill('form[aria-label="Edit plan Pro"] [id$="-features"]', 'sso, reports, audit');
    // A new price and currency too: an unknown currency is refused beside its field first.
    expect(await page.inputValue('form[aria-label="Edit plan Pro"] [id$="-price"]')).toBe('29');
    await page.fill('form[aria-label="Edit plan Pro"] [id$="-price"]', '49.5');
    await page.fill('form[aria-label="Edit plan Pro"] [id$="-currency"]', 'zzz');
    await page.click('text=Save plan');
    await expect.poll(() => page.locator('form[aria-label="Edit plan Pro"] [id$="-currency-error"]').textContent()).toContain('ISO 4217');
    await page.fill('form[aria-label="Edit plan Pro"] [id$="-currency"]', 'EUR');
    await page.click('text=Save plan');
    await page.locator('form[aria-label="Edit plan Pro"]').waitFor({ state: 'detached' });
    await page.reload();
    await page.locator('text=Features: sso, reports, audit').waitFor();
    const plan = page.locator('li:has-text("Features: sso, reports, audit")');
    expect(await plan.locator('strong').textContent()).toBe('Pro Plus');
    expect(await plan.textContent()).toMatch(/49[.,]50/);
    expect(await plan.textContent()).toContain('€');
    await page.click('button[aria-label="Edit plan Pro Plus"]');
    expect([await page.inputValue('[id$="-price"]:not(#plan-price)'), await page.inputValue('[id$="-currency"]:not(#plan-currency)')]).toEqual(['49.5', 'eur']);
    await page.click('button[aria-label="Close the editor of plan Pro Plus"]');
    await check('plans', 'plans');
    await go(`/orgs/${org}/members`);
    await page.locator(`td:text("${adminEmail}")`).waitFor();
    await check('members');
    await go(`/orgs/${org}/users`);
    await page.click(`button[aria-label="Edit groups and attributes of ${userEmail}"]`);
    await page.fill('tr.editor [id$="-groups"]', 'admins\nsales');
    await page.fill('tr.editor [id$="-attributes"]', 'no equals sign');
    await page.click('text=Save groups and attributes');
    expect(await page.locator('tr.editor [id$="-attributes-error"]').textContent()).toContain('name=value');
    await page.fill('tr.editor [id$="-attributes"]', 'department=Sales');
    await page.click('text=Save groups and attributes');
    await expect.poll(() => page.locator(`tr[data-user="${userEmail}"]`).textContent(), { timeout: 10_000 }).toContain('admins, sales');
    expect(await page.locator(`tr[data-user="${userEmail}"] .mfa`).textContent()).toBe('none');
    await check('directory users (groups)');

    await go(`/orgs/${org}/settings`);
    await page.locator('#org-settings-name').waitFor();
    await page.fill('#org-primary-color', 'red');
    await page.click('text=Save sign-in settings');
    await page.locator('#org-primary-color-error').waitFor();
    await page.fill('#org-primary-color', '#1F5FBF');
    await page.selectOption('#org-mfa-policy', 'off');
    await page.click('text=Save sign-in settings');
    await expect.poll(() => page.locator('.card:has(#org-mfa-policy) .saved').textContent(), { timeout: 10_000 }).toBe('Saved.');
    await page.reload();
    await expect.poll(() => page.inputValue('#org-primary-color'), { timeout: 10_000 }).toBe('#1f5fbf');
    expect(await page.inputValue('#org-mfa-policy')).toBe('off');
    await check('settings');
    expectNoFindings(findings, 'plans', 'members', 'directory users (groups)', 'settings');

    await page.setViewportSize({ width: 360, height: 740 });
    const wide: string[] = [];
    for (const path of [
      '',
      `/orgs/${org}/services`,
      `/orgs/${org}/services/${svc}`,
      `/orgs/${org}/services/${svc}/saml`,
      `/orgs/${org}/services/${svc}/keys`,
      `/orgs/${org}/services/${svc}/plans`,
      `/orgs/${org}/users`,
      `/orgs/${org}/members`,
      `/orgs/${org}/settings`,
      `/orgs/${org}/sign-ins`,
      `/orgs/${org}/audit`,
      `/orgs/${org}/webhooks`,
    ]) {
      await go(path);
      await page.waitForLoadState('networkidle');
      if (!(await noHorizontalScroll(page))) wide.push(path || '/');
    }
    expect(wide).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 900 });
  }, 90_000);

  it('signs out: the cookie is cleared and a reload shows the sign-in page; no secret was ever in a URL', async () => {
    await go(`/orgs/${org}/services`);
    await page.click('text=Sign out');
    await page.locator('h1:text("Sign in to Tessera")').waitFor();
    expect((await admin.cookies()).find((c) => c.name === 'tessera_refresh')).toBeUndefined();
    await page.reload();
    await page.locator('h1:text("Sign in to Tessera")').waitFor();
    await page.fill('#email', adminEmail);
    await page.fill('#password', 'wrong password here');
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('[role=alert]').textContent()).toContain('Invalid email or password');
    await check('sign in (wrong password)');
    expectNoFindings(findings, 'sign in (wrong password)');
    await expectNoTokenExposed(page);
    expect(requested.length).toBeGreaterThan(20);
    expect(requested.filter((u) => SECRET_SHAPES.test(u))).toEqual([]);
  });

  // ---- Admin TOTP (CONTRACT §15: MFA for admin accounts). Its own block, after sign-out, on the same
  // browser: the admin turns TOTP on in the console and signs in again with a code computed here.
  describe('admin TOTP', () => {
    it('turns TOTP on from the security screen, then signing in asks for a code; axe finds nothing on either screen', async () => {
      await go('');
      await page.fill('#email', adminEmail);
      await page.fill('#password', ADMIN_PASSWORD);
      await page.click('button[type=submit]');
      await page.waitForSelector('h1:text("Organizations")');
      await page.click('header.top a[href="/console/security"]');
      await page.locator('h1:text("Account security")').waitFor();
      await page.fill('#totp-password', 'not my password');
      await page.click('text=Set up an authenticator app');
      await expect.poll(() => page.locator('#totp-password-error').textContent()).toContain('Wrong password');
      await page.fill('#totp-password', ADMIN_PASSWORD);
      await page.press('#totp-password', 'Enter');
      await page.locator('#totp-secret').waitFor();
      const secret = await page.inputValue('#totp-secret');
      expect(await page.inputValue('#totp-uri')).toMatch(new RegExp(`^otpauth://totp/.*secret=${secret}`));
      await check('account security (enrolling)');
      const clock = new TotpClock(secret);
      await page.fill('#totp-code', '000000');
      await page.press('#totp-code', 'Enter');
      await expect.poll(() => page.locator('#totp-code-error').textContent()).toContain('Wrong or already used code');
      expect(await page.getAttribute('#totp-code', 'aria-invalid')).toBe('true');
      await page.fill('#totp-code', await clock.next());
      await page.press('#totp-code', 'Enter');
      await page.locator('text=Turn off two-step sign-in').waitFor();
      expect(await page.locator('[role=status]').first().textContent()).toContain('Two-step sign-in is on');
      await check('account security (TOTP on)', 'security');
      await page.setViewportSize({ width: 360, height: 740 });
      expect(await noHorizontalScroll(page)).toBe(true);
      await page.setViewportSize({ width: 1280, height: 900 });

      await page.click('text=Sign out');
      await page.locator('h1:text("Sign in to Tessera")').waitFor();
      await page.fill('#email', adminEmail);
      await page.fill('#password', ADMIN_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('h1:text("Enter your authentication code")').waitFor();
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('code');
      await check('sign in (code)');
      await page.keyboard.type('000000');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('#code-error').textContent()).toContain('Wrong or already used code');
      await page.fill('#code', await clock.next());
      await page.keyboard.press('Enter');
      await page.waitForSelector('h1:text("Organizations")');
      await expectNoTokenExposed(page);
      expect(requested.filter((u) => SECRET_SHAPES.test(u) || u.includes(secret))).toEqual([]);
      expectNoFindings(findings, 'account security (enrolling)', 'account security (TOTP on)', 'sign in (code)');
    }, 60_000);
  });
});
