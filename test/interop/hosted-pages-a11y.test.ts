// The hosted pages in headless Chromium with axe-core (@axe-core/playwright): sign-in (fresh and after a
// failure), forgot password, "check your email", set password (fresh and after a failure), password
// saved and an error page, all under an organization's brand with a light primary colour, in English and
// in French. No serious or critical violation; the fields are reachable by keyboard. One screenshot per
// page goes to docs/screenshots/ (the second-factor and /account pages: browser-mfa.test.ts).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { SCREENSHOTS as screenshots, expectAccessible, hasChromium, launchChromium } from '../helpers/chromium.ts';
import { deferredCleanups } from '../helpers/suite.ts';
import { databases } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { samlWorld, type SamlWorld } from '../helpers/saml.ts';
import { authnRequest, redirectQuery } from '../helpers/saml-attacks.ts';
import { passwordLinkIn, startSmtpSink, type SmtpSink } from '../helpers/smtp.ts';

const sqlite = databases()[0];

describe.runIf(hasChromium && sqlite)('Hosted pages are accessible (axe-core in Chromium)', () => {
  let srv: TestServer;
  let sink: SmtpSink;
  let browser: Browser;
  let world: SamlWorld;
  const defer = deferredCleanups();

  beforeAll(async () => {
    if (!sqlite) return;
    mkdirSync(screenshots, { recursive: true });
    sink = await startSmtpSink();
    defer(() => sink.close());
    srv = await startTestServer(sqlite, { PUBLIC_URL: 'http://localhost:0', SMTP_URL: sink.url });
    defer(() => srv.stop());
    world = await samlWorld(srv.url);
    // No logo at first: the test has no https server to serve one, and the screenshots should not show a
    // broken image. The second test adds one (it cannot load either) to check its alternative text.
    const brand = { display_name: 'Acme Corp', primary_color: '#ffd43b', support_url: 'https://help.acme.example/' };
    expect((await world.admin.client.patch(`/api/organizations/${world.org}`, brand)).status).toBe(200);
    browser = await launchChromium();
    defer(() => browser.close());
  }, 60_000);

  const ssoUrl = () => `${world.urls.sso}?${redirectQuery(authnRequest(world.urls.sso))}`;

  it('sign-in, forgot password, check your email, set password, saved: no serious or critical violation', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(ssoUrl());
    await page.waitForURL(/\/login\?state=/);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await expectAccessible(page, 'sign-in');
    await page.screenshot({ path: join(screenshots, 'sign-in.png') });

    // Keyboard: the fields, the button and the reset link in order.
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent || ''));
    }
    expect(order.join('|')).toContain('password|Sign in|Forgot password?');

    await page.fill('#email', world.userEmail);
    await page.fill('#password', 'not the password 000');
    await page.click('button[type=submit]');
    await page.waitForSelector('#login-error');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
    expect(await page.getAttribute('#password', 'aria-describedby')).toBe('login-error');
    await expectAccessible(page, 'sign-in after a failure');

    await page.click('text=Forgot password?');
    await page.waitForURL(/\/password\/forgot/);
    await expectAccessible(page, 'forgot password');
    await page.screenshot({ path: join(screenshots, 'forgot-password.png') });
    await page.fill('#email', world.userEmail);
    await page.click('button[type=submit]');
    await page.waitForSelector('text=Check your email');
    await expectAccessible(page, 'check your email');

    const link = passwordLinkIn(await sink.waitFor(world.userEmail));
    await page.goto(link.replace(/^http:\/\/[^/]+/, new URL(world.urls.sso).origin));
    await expectAccessible(page, 'set password');
    await page.screenshot({ path: join(screenshots, 'set-password.png') });
    await page.fill('#password', 'first choice password 1');
    await page.fill('#confirm', 'second choice password 2');
    await page.click('button[type=submit]');
    await page.waitForSelector('#password-error');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('confirm');
    await expectAccessible(page, 'set password after a failure');
    await page.fill('#password', 'final choice password 3');
    await page.fill('#confirm', 'final choice password 3');
    await page.click('button[type=submit]');
    await page.waitForSelector('text=Password saved');
    await expectAccessible(page, 'password saved');
    expect(await page.textContent('a.action')).toBe('Continue to sign in');
    await context.close();
  });

  it('an error page, and the French sign-in and error pages with a logo: no serious or critical violation', async () => {
    const english = await browser.newContext();
    const en = await english.newPage();
    const refused = await en.goto(`${world.urls.sso}?SAMLRequest=not-a-request`);
    expect(refused?.status()).toBe(400);
    await expectAccessible(en, 'error page');
    await en.screenshot({ path: join(screenshots, 'error-page.png') });
    await english.close();

    expect((await world.admin.client.patch(`/api/organizations/${world.org}`, { logo_url: 'https://127.0.0.1:1/logo.png' })).status).toBe(200);
    const context = await browser.newContext({ locale: 'fr-FR', extraHTTPHeaders: { 'accept-language': 'fr-FR,fr;q=0.9' } });
    const page = await context.newPage();
    await page.goto(ssoUrl());
    await page.waitForURL(/\/login\?state=/);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await page.textContent('h1')).toContain('Connexion à');
    expect(await page.getAttribute('header.brand img', 'alt')).toBe('Acme Corp');
    await expectAccessible(page, 'sign-in (fr)');

    const res = await page.goto(`${world.urls.sso}?SAMLRequest=not-a-request`);
    expect(res?.status()).toBe(400);
    expect(await page.textContent('h1')).toContain('L’application a envoyé une demande de connexion');
    await expectAccessible(page, 'error page (fr)');
    await context.close();
  });
});
