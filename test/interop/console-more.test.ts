// More of the admin console in headless Chromium, through its UI only (the SP side excepted): a service
// configured from SP metadata at a URL, a directory user's second factor (enrolled on the hosted
// /account page) reset after confirmation, a refused SSO found in the sign-in activity by its reason
// and reference, paging through sign-ins, and a webhook's secret rotated (both secrets verified by
// `standardwebhooks`), the webhook disabled and deleted. axe-core on every view and dialog visited; the
// README's screenshots of the main views are taken here (docs/screenshots/console-*.png).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { generateServiceProviderMetadata } from '@node-saml/node-saml';
import { hasChromium, launchChromium, signInAtSp } from '../helpers/chromium.ts';
import { axeFindings, checkView, expectNoFindings, openView } from '../helpers/console-browser.ts';
import { deferredCleanups } from '../helpers/suite.ts';
import { databases } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startDemoSp, type DemoSp } from '../../scripts/demo-sp.ts';
import { uniqueEmail } from '../helpers/http.ts';
import { uniqueSlug } from '../helpers/fixtures.ts';
import { nodeSamlSp, type SpEnd } from '../helpers/node-saml.ts';
import { totpCode } from '../helpers/mfa.ts';
import { Receiver } from '../helpers/webhook-receiver.ts';
import { passwordLinkIn, startSmtpSink, type SmtpSink } from '../helpers/smtp.ts';
import { generateKeyPair, signedMetadata, type KeyPair } from '../helpers/saml-attacks.ts';
import { Client } from '../helpers/http.ts';

const sqlite = databases()[0];
const screenshots = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const ADMIN_PASSWORD = 'console admin password 2';
const USER_PASSWORD = 'console user password 2';
const PORTAL_ENTITY = 'https://portal.example.test/sp';
// One page of the sign-in activity is 50 rows (console/src/views/activity.tsx).
const PAGE = 50;

interface MetadataHost {
  url: string;
  acs: string;
  /** Answer 404. */
  fail: boolean;
  /** Sign the metadata with this key (unsigned when undefined). */
  signer: KeyPair | undefined;
  close: () => Promise<void>;
}

/** An SP that publishes its metadata over http, as a metadata URL. */
async function metadataHost(): Promise<MetadataHost> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  const host: MetadataHost = {
    url: `${origin}/sp-metadata.xml`,
    acs: `${origin}/acs`,
    fail: false,
    signer: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
  server.on('request', (req, res) => {
    if (host.fail || req.url !== '/sp-metadata.xml') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' });
    const xml = generateServiceProviderMetadata({ issuer: PORTAL_ENTITY, callbackUrl: host.acs, wantAssertionsSigned: true });
    res.end(host.signer ? signedMetadata(xml, host.signer) : xml);
  });
  return host;
}

/** Registers an admin account through the console's own form, from its sign-in page. */
async function registerIn(p: Page, name: string, email: string): Promise<void> {
  await p.click('text=Create an admin account');
  await p.fill('#name', name);
  await p.fill('#email', email);
  await p.fill('#password', ADMIN_PASSWORD);
  await p.click('button[type=submit]');
  await p.waitForSelector('h1:text("Organizations")');
}

describe.runIf(hasChromium && sqlite)('admin console in headless Chromium: MFA reset, metadata URL, refusals, paging, webhooks', () => {
  let srv: TestServer;
  let sp: DemoSp;
  let meta: MetadataHost;
  let smtp: SmtpSink;
  let receiver: Receiver;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let base: string;
  let portal: SpEnd;
  const findings: Record<string, string[]> = {};
  const defer = deferredCleanups();
  const org = uniqueSlug('cm');
  const userEmail = uniqueEmail('console-mfa');
  const adminEmail = uniqueEmail('console-admin2');

  /** axe and the token check on the view as it is now; `shot` also saves it as docs/screenshots/console-<shot>.png. */
  async function check(name: string, shot?: string, fullPage = false): Promise<void> {
    findings[name] = await checkView(page);
    if (!shot) return;
    // Without the focus ring of the heading that a navigation focuses.
    await page.evaluate(() => {
      if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    });
    await page.screenshot({ path: join(screenshots, `console-${shot}.png`), fullPage });
  }

  const go = (path: string) => openView(page, base, path);

  /** A confirmation dialog: axe on it once, Cancel leaves things as they were, then `confirm`. */
  async function confirmAfterCancel(open: string, confirm: string, name?: string): Promise<void> {
    await page.click(open);
    await page.locator('dialog[open]').waitFor();
    // The dialogs are one component (ConfirmButton): axe checks it once.
    if (name) findings[name] = await axeFindings(page);
    await page.click('dialog[open] >> button:text-is("Cancel")');
    await page.locator('dialog[open]').waitFor({ state: 'detached' });
    await page.click(open);
    await page.click(`dialog[open] >> button:text-is("${confirm}")`);
    await page.locator('dialog[open]').waitFor({ state: 'detached' });
  }

  beforeAll(async () => {
    if (!sqlite) return;
    // 127.0.0.1: a secure context for Chromium, so the Secure cookies work over http. Webhooks and the
    // metadata URL may use http and loopback here only, so that servers in this process can answer them.
    // Mail goes to an SMTP server in this process, which reads what Tessera sends over the wire.
    smtp = await startSmtpSink();
    defer(() => smtp.close());
    srv = await startTestServer(sqlite, { TESSERA_WEBHOOKS_ALLOW_PRIVATE: 'true', SMTP_URL: smtp.url });
    defer(() => srv.stop());
    base = srv.deps.config.publicUrl;
    receiver = await Receiver.start();
    defer(() => receiver.close());
    meta = await metadataHost();
    defer(() => meta.close());
    sp = await startDemoSp('localhost');
    defer(() => sp.close());
    browser = await launchChromium();
    defer(() => browser.close());
    admin = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await admin.newPage();
    page.setDefaultTimeout(15_000);
  }, 60_000);

  it('sets up an organization with two services: one from pasted SP metadata, one from a metadata URL', async () => {
    await go('');
    await registerIn(page, 'Grace Admin', adminEmail);
    await page.fill('#org-name', 'Example Corp');
    await page.fill('#org-slug', org);
    await page.click('text=Create organization');
    await page.waitForURL(`${base}/console/orgs/${org}/services`);
    for (const [name, slug] of [
      ['Web App', 'web-app'],
      ['Customer Portal', 'portal'],
    ] as const) {
      await go(`/orgs/${org}/services`);
      await page.fill('#service-name', name);
      await page.fill('#service-slug', slug);
      await page.click('button:text("Create service")');
      await page.waitForURL(`${base}/console/orgs/${org}/services/${slug}`);
    }
    // The portal's overview: the scopes a sign-in provider grants, refused beside their field when too
    // long, then saved and read back after a reload.
    await page.fill('#service-github-scopes', 'x'.repeat(201));
    await page.click('button:text-is("Save")');
    await expect.poll(() => page.locator('#service-github-scopes-error').textContent()).toMatch(/200/);
    await page.fill('#service-github-scopes', 'read:user\nuser:email');
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'PATCH' && r.status() === 200), page.click('button:text-is("Save")')]);
    await page.reload();
    await expect.poll(() => page.inputValue('#service-github-scopes')).toBe('read:user\nuser:email');
    expect(await page.inputValue('#service-google-scopes')).toBe('');
    await go(`/orgs/${org}/services/web-app/saml`);
    await page.fill('#sp-metadata', sp.metadata());
    await page.click('text=Import and enable SAML');
    await page.locator('#idp-certificate').waitFor();
    // Each form says what its last save did; the import's line goes when the settings are saved.
    const savedLines = async () => (await page.locator('span.saved').allTextContents()).filter(Boolean);
    await expect.poll(savedLines).toEqual(['SAML configured from the metadata.']);
    await page.click('button:text("Save SAML settings")');
    await expect.poll(savedLines).toEqual(['SAML settings saved.']);
    sp.configure({
      ssoUrl: await page.inputValue('#idp-sso-url'),
      entityId: await page.inputValue('#idp-entity-id'),
      certPem: await page.inputValue('#idp-certificate'),
    });

    // The portal publishes its metadata at a URL; a URL that answers 404 is refused beside its field.
    await go(`/orgs/${org}/services/portal/saml`);
    await page.locator('.notice:text("SAML is off")').waitFor();
    meta.fail = true;
    await page.fill('#saml-metadata-url', meta.url);
    await page.fill('#saml-metadata-hours', '12');
    await page.click('button:text("Fetch and save")');
    await expect.poll(() => page.locator('#saml-metadata-url-error').textContent()).toContain('404');
    expect(await page.getAttribute('#saml-metadata-url', 'aria-invalid')).toBe('true');
    meta.fail = false;
    // With a pinned metadata signing certificate, unsigned metadata is refused; signed by its key, it is used.
    const publisher = generateKeyPair('publisher.example.test');
    await page.fill('#saml-metadata-cert', publisher.certPem);
    await page.click('button:text("Fetch and save")');
    await expect.poll(() => page.locator('#saml-metadata-url-error').textContent()).toMatch(/sign/i);
    meta.signer = publisher;
    await page.click('button:text("Fetch and save")');
    await page.locator('#idp-certificate').waitFor();
    await page.reload();
    await expect.poll(() => page.inputValue('#saml-metadata-cert')).toContain('-----BEGIN CERTIFICATE-----');
    expect((await page.inputValue('#saml-metadata-cert')).replace(/\s+/g, '')).toBe(publisher.certPem.replace(/\s+/g, ''));
    expect(await page.inputValue('#saml-entity-id')).toBe(PORTAL_ENTITY);
    expect(await page.inputValue('#saml-acs-0-url')).toBe(meta.acs);
    expect(await page.inputValue('#saml-metadata-url')).toBe(meta.url);
    expect(await page.inputValue('#saml-metadata-hours')).toBe('12');
    expect(await page.locator('text=/Fetched .* · next refresh/').count()).toBe(1);
    portal = {
      entity: PORTAL_ENTITY,
      acs: meta.acs,
      sso: await page.inputValue('#idp-sso-url'),
      slo: '',
      idpEntity: await page.inputValue('#idp-entity-id'),
      idpCert: await page.inputValue('#idp-certificate'),
    };
    await check('SAML: from a metadata URL', 'saml', true);

    await go('');
    await page.locator(`a:text("Example Corp")`).waitFor();
    await check('organizations', 'organizations');
    await go(`/orgs/${org}/services`);
    await page.locator('text=Customer Portal').waitFor();
    await check('services', 'services');
    expectNoFindings(findings, 'SAML: from a metadata URL', 'organizations', 'services');
  }, 90_000);

  it("resets a directory user's second factor, enrolled on /account, after confirmation", async () => {
    await go(`/orgs/${org}/users`);
    await page.fill('#user-email', userEmail);
    await page.fill('#user-password', USER_PASSWORD);
    await page.click('text=Add user');
    const mfa = page.locator(`tr[data-user="${userEmail}"] .mfa`);
    await expect.poll(() => mfa.textContent()).toBe('none');
    expect(await page.locator(`text=Reset MFA of ${userEmail}`).count()).toBe(0);

    // The user enrolls an authenticator app on the hosted account page, in a browser of their own.
    const user = await browser.newContext();
    const userPage = await user.newPage();
    await userPage.goto(`${base}/account?org=${org}`);
    await userPage.fill('#email', userEmail);
    await userPage.fill('#password', USER_PASSWORD);
    await userPage.click('button[type=submit]');
    await userPage.click('form[action="/account/totp/start"] button');
    const secret = ((await userPage.locator('#totp-secret').textContent()) ?? '').replace(/ /g, '');
    await userPage.fill('#totp', await totpCode(secret));
    await userPage.click('button[type=submit]');
    await userPage.locator('#recovery-codes').waitFor();
    expect(await userPage.locator('#recovery-codes li').count()).toBe(10);
    await user.close();

    await page.reload();
    await expect.poll(() => mfa.textContent()).toBe('authenticator app · 10 recovery codes left');
    await check('directory users (MFA)', 'users', true);
    await confirmAfterCancel(`text=Reset MFA of ${userEmail}`, 'Reset MFA', 'reset MFA dialog');
    await expect.poll(() => mfa.textContent()).toBe('none');
    expect(await page.locator(`text=Reset MFA of ${userEmail}`).count()).toBe(0);

    // With no factor left and the policy optional, the user signs in with the password alone.
    const again = await browser.newContext();
    const againPage = await again.newPage();
    await signInAtSp(againPage, sp, { email: userEmail, password: USER_PASSWORD });
    await again.close();
    expectNoFindings(findings, 'directory users (MFA)', 'reset MFA dialog');
  }, 60_000);

  it('emails a password link when "Send by email" is checked, and says so', async () => {
    await go(`/orgs/${org}/users`);
    await page.check('#password-link-email');
    // The email's language (the API's locale) is chosen beside the box once it is ticked.
    await page.selectOption('#password-link-email-locale', 'fr');
    await page.click(`button[aria-label="Password link for ${userEmail}"]`);
    await expect.poll(() => page.locator('.notice').textContent()).toContain(`Sent by email to ${userEmail}.`);
    const shown = await page.inputValue('#password-link');
    const mail = await smtp.waitFor(userEmail);
    expect(passwordLinkIn(mail)).toBe(shown);
    expect(mail.mail.subject).toMatch(/^Choisissez votre mot de passe/);
    // Unchecked, nothing more is sent.
    await page.uncheck('#password-link-email');
    await page.click(`button[aria-label="Password link for ${userEmail}"]`);
    await expect.poll(() => page.inputValue('#password-link')).not.toBe(shown);
    expect(await page.locator('.notice').textContent()).toContain('Send it to them over a channel you trust.');
    expect(smtp.to(userEmail)).toHaveLength(1);
  }, 60_000);

  it('shows a refused SSO with its reason and the reference on the refusal page; pages through sign-ins', async () => {
    // The SP side: the portal's SP asks for its Response at an ACS it never registered.
    const wrongAcs = nodeSamlSp({ ...portal, acs: `${sp.url}/not-registered` });
    const user = await browser.newContext();
    const userPage = await user.newPage();
    await userPage.goto(await wrongAcs.getAuthorizeUrlAsync('', undefined, {}));
    const details = (await userPage.locator('.details').textContent({ timeout: 10_000 })) ?? '';
    expect(details).toContain('acs_mismatch');
    const reference = /Reference: (\S+)/.exec(details)?.[1] ?? '';
    expect(reference).not.toBe('');
    await user.close();

    await go(`/orgs/${org}/sign-ins`);
    const refused = page.locator('tr[data-outcome="refused"]', { hasText: 'acs_mismatch' });
    await refused.waitFor();
    expect(await refused.textContent()).toContain(reference);
    expect(await refused.textContent()).toContain('portal');
    expect(await page.locator('tr[data-outcome="success"]', { hasText: userEmail }).count()).toBeGreaterThan(0);
    const before = Number(/^(\d+) sign-ins/.exec((await page.locator('caption').textContent()) ?? '')?.[1]);
    expect(before).toBeLessThan(PAGE);
    await check('sign-in activity (refused)', 'sign-ins');
    // Found again by its reference, as support would with the id the user read out.
    await page.fill('#signin-request', reference);
    await page.click('text=Apply filters');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    expect(await page.locator('tbody tr[data-outcome="refused"]').textContent()).toContain('acs_mismatch');

    // More than a page: an SP that is no one's sends AuthnRequests to the web app (plain HTTP, the SP side).
    const stranger = nodeSamlSp({
      ...portal,
      entity: 'https://stranger.example.test/sp',
      acs: `${sp.url}/acs`,
      sso: portal.sso.replace('/portal/', '/web-app/'),
    });
    for (let batch = 0; batch < 6; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const res = await fetch(await stranger.getAuthorizeUrlAsync('', undefined, {}), { redirect: 'manual' });
          expect(res.status).toBeGreaterThanOrEqual(400);
        }),
      );
    }
    await page.click('button:text-is("Clear")');
    const pager = page.locator('nav.pager');
    const total = before + 60;
    await expect.poll(() => pager.locator('span').textContent()).toBe(`1–${String(PAGE)} of ${String(total)}`);
    expect(await page.locator('tbody tr').count()).toBe(PAGE);
    expect(await pager.locator('button:text("Newer")').isDisabled()).toBe(true);
    await pager.locator('button:text("Older")').click();
    await expect.poll(() => pager.locator('span').textContent()).toBe(`${String(PAGE + 1)}–${String(total)} of ${String(total)}`);
    expect(await page.locator('tbody tr').count()).toBe(total - PAGE);
    expect(await pager.locator('button:text("Older")').isDisabled()).toBe(true);
    // The oldest rows are the story's: the user's sign-in, then the portal's refusal.
    expect(await page.locator('tbody tr').last().getAttribute('data-outcome')).toBe('success');
    await pager.locator('button:text("Newer")').click();
    await expect.poll(() => pager.locator('span').textContent()).toBe(`1–${String(PAGE)} of ${String(total)}`);
    expect(await page.locator('tbody tr', { hasText: 'unknown_issuer' }).count()).toBe(PAGE);
    expectNoFindings(findings, 'sign-in activity (refused)');
  }, 60_000);

  it("rotates a webhook's secret (both verified by standardwebhooks), disables it and deletes it after confirmation", async () => {
    await go(`/orgs/${org}/webhooks`);
    await page.fill('#webhook-url', receiver.url);
    await page.fill('#webhook-description', 'CRM sync');
    await page.click('text=Add webhook');
    const first = await page.inputValue('#webhook-secret');
    expect(first).toMatch(/^whsec_/);
    await confirmAfterCancel('button:text-is("Rotate secret")', 'Rotate');
    await expect.poll(() => page.inputValue('#webhook-secret')).not.toBe(first);
    const second = await page.inputValue('#webhook-secret');
    expect(second).toMatch(/^whsec_/);
    expect(await page.locator('.notice').textContent()).toContain('The previous secret keeps signing beside it until');
    const card = page.locator(`[data-url="${receiver.url}"]`);
    // The card shows it once the list has reloaded after the rotation.
    await expect.poll(() => card.textContent()).toContain('previous secret valid until');
    receiver.secrets = [first, second];
    await card.locator('button:text("Send a test event")').click();
    const delivery = card.locator('.deliveries li').first();
    await expect
      .poll(
        async () => {
          await card.locator('button:text("Refresh deliveries")').click();
          return (await delivery.count()) === 0 ? '' : await delivery.getAttribute('data-status');
        },
        { timeout: 15_000, interval: 300 },
      )
      .toBe('succeeded');
    // Signed with both secrets while the old one is still in its grace period.
    expect(receiver.of('webhook.test').map((h) => h.verifiedBy)).toEqual([[0, 1]]);
    await check('webhooks (rotated, delivered)', 'webhooks');

    // Its description and events changed (PATCH), and read back after a reload.
    await card.locator('button:text-is("Edit")').click();
    const editor = card.locator('form[aria-label^="Edit webhook"]');
    await editor.locator('[id$="-description"]').fill('CRM sync v2');
    await editor.locator('[id$="-all"]').uncheck();
    await editor.locator('[id$="-user.created"]').check();
    await editor.locator('[id$="-sign_in.refused"]').check();
    await editor.locator('button:text("Save webhook")').click();
    await editor.waitFor({ state: 'detached' });
    await page.reload();
    await expect.poll(() => card.locator('p.muted').first().textContent()).toContain('CRM sync v2 · user.created, sign_in.refused');

    await card.locator('button:text-is("Disable")').click();
    await expect.poll(() => card.locator('.badge').first().textContent()).toBe('disabled');
    expect(await card.locator('button:text("Send a test event")').isDisabled()).toBe(true);
    await confirmAfterCancel('button:text-is("Delete webhook")', 'Delete');
    await page.locator('.empty').waitFor();
    expect(await page.locator(`[data-url="${receiver.url}"]`).count()).toBe(0);

    await go(`/orgs/${org}/audit`);
    for (const action of ['webhook.deleted', 'webhook.updated', 'webhook.secret_rotated', 'user.mfa_reset', 'saml.configured']) {
      await page.locator(`tr[data-action="${action}"]`).first().waitFor();
    }
    await check('audit log', 'audit');
    expectNoFindings(findings, 'webhooks (rotated, delivered)', 'audit log');
    // From 1200 px, where table cells keep whole words (styles.css), the widest tables still fit.
    await page.setViewportSize({ width: 1200, height: 800 });
    for (const path of [`/orgs/${org}/audit`, `/orgs/${org}/sign-ins`, `/orgs/${org}/users`, `/orgs/${org}/members`]) {
      await go(path);
      await page.locator('tbody tr').first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), path).toBe(true);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  }, 60_000);

  it('an emailed invitation link: the token leaves the address bar at once and fills the form after registration', async () => {
    const invited = uniqueEmail('console-invited');
    await go(`/orgs/${org}/members`);
    await page.fill('#invite-email', invited);
    await page.check('#invite-send-email');
    // An instance that cannot send mail at all answers 409 naming send_email (production without SMTP_URL,
    // e2e/mail.test.ts): shown under the checkbox. Another 409 (already a member) names email: shown beside that field.
    const member = 'This email already belongs to a member of the organization';
    let answer = { error: member, error_code: 'CONFLICT', details: [{ field: 'email', message: member }] } as Record<string, unknown>;
    await page.route('**/invitations', (route) =>
      route.request().method() === 'POST' ? route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify(answer) }) : route.fallback(),
    );
    await page.click('button:text-is("Invite")');
    await expect.poll(() => page.locator('#invite-email-error').textContent()).toContain('already belongs to a member');
    expect(await page.locator('#invite-send-email-error').count()).toBe(0);
    const noMail = 'Email delivery is not configured (SMTP_URL): send_email cannot be used';
    answer = { error: noMail, error_code: 'CONFLICT', details: [{ field: 'send_email', message: noMail }] };
    await page.click('button:text-is("Invite")');
    await expect.poll(() => page.locator('#invite-send-email-error').textContent()).toContain('Email delivery is not configured');
    expect(await page.getAttribute('#invite-send-email', 'aria-invalid')).toBe('true');
    expect(await page.locator('form:has(#invite-email) p.alert').count()).toBe(0);
    await page.unroute('**/invitations');
    await page.click('button:text-is("Invite")');
    await expect.poll(() => page.locator('.notice').textContent()).toContain(`Sent by email to ${invited}.`);
    const token = await page.inputValue('#invite-token-value');
    expect(token).toMatch(/^inv_/);
    await page.locator(`li:has-text("${invited}")`).waitFor();
    await check('members (invitation pending, token shown)', 'members', true);
    expectNoFindings(findings, 'members (invitation pending, token shown)');
    // The link the invitation email carries, read from the message the SMTP server took, opened in another browser.
    const mail = await smtp.waitFor(invited);
    const link = /https?:\/\/\S+\/console#invitation=[\w%.-]+/.exec(mail.mail.text ?? '')?.[0] ?? '';
    expect(link).toBe(`${base}/console#invitation=${encodeURIComponent(token)}`);
    const guest = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    defer(() => guest.close());
    const tab = await guest.newPage();
    await tab.goto(link);
    await tab.waitForSelector('text=Create an admin account');
    expect(new URL(tab.url()).hash).toBe('');
    await registerIn(tab, 'Invited Person', invited);
    expect(await tab.inputValue('#invite-token')).toBe(token);
    await tab.click('button:text-is("Join organization")');
    await tab.waitForURL(`${base}/console/orgs/${org}/services`);
    // Nowhere in the history: back leads to pages without the token.
    expect(tab.url()).not.toContain(token);
  }, 60_000);

  it('pages through more than 100 directory users, finds one by email and disables it', async () => {
    // Setup through the admin API (the same account's token): 101 users, made faster than through the form.
    const login = await new Client(base).post<{ access_token: string }>('/api/auth/login', { email: adminEmail, password: ADMIN_PASSWORD });
    expect(login.status).toBe(200);
    const api = new Client(base).bearer(login.body.access_token);
    const emails = Array.from({ length: 101 }, (_, i) => `bulk-${String(i + 1).padStart(3, '0')}-${org}@example.com`);
    for (let i = 0; i < emails.length; i += 10) {
      const statuses = await Promise.all(emails.slice(i, i + 10).map(async (email) => (await api.post(`/api/organizations/${org}/users`, { email })).status));
      expect(statuses.every((st) => st === 201)).toBe(true);
    }
    const total = 1 + emails.length;
    await go(`/orgs/${org}/users`);
    const pager = page.locator('nav.pager');
    await expect.poll(() => pager.locator('span').textContent()).toBe(`1–50 of ${String(total)}`);
    expect(await page.locator('caption').textContent()).toBe(`${String(total)} users, oldest first`);
    expect(await pager.locator('button:text("Previous")').isDisabled()).toBe(true);
    for (const shown of ['51–100', '101–102']) {
      await pager.locator('button:text("Next")').click();
      await expect.poll(() => pager.locator('span').textContent()).toBe(`${shown} of ${String(total)}`);
    }
    expect(await pager.locator('button:text("Next")').isDisabled()).toBe(true);
    const last = emails[100] ?? '';
    expect(await page.locator(`tr[data-user="${last}"]`).count()).toBe(1);

    // Found by email from the first page, then disabled.
    await go(`/orgs/${org}/users`);
    await page.fill('#users-filter-email', last);
    await page.click('text=Apply filters');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    expect(await page.locator('nav.pager').count()).toBe(0);
    const row = page.locator(`tr[data-user="${last}"]`);
    await row.locator(`button[aria-label="Disable ${last}"]`).click();
    await expect.poll(() => row.locator('.badge').textContent()).toBe('disabled');
    await page.reload();
    await page.fill('#users-filter-email', last);
    await page.click('text=Apply filters');
    await expect.poll(() => page.locator(`tr[data-user="${last}"] .badge`).textContent()).toBe('disabled');
    await check('directory users (found by email)');
    expectNoFindings(findings, 'directory users (found by email)');
  }, 90_000);
});
