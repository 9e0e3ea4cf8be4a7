// Debian's Chromium, driven by playwright-core, for the suites that sign in with a real browser.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { expect } from 'vitest';
import type { DemoSp } from '../../scripts/demo-sp.ts';

const CHROMIUM = '/usr/bin/chromium';

/** The browser suites run where the package is installed and are skipped elsewhere. */
export const hasChromium = existsSync(CHROMIUM);

/** Headless, without a sandbox (tests run as root) and without the browser's own background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Where the suites save one screenshot per hosted page (shown in the README). */
export const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');

/** axe-core on the page as it is: no serious or critical violation of WCAG 2.2 AA or best practice. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    name,
  ).toEqual([]);
  expect(results.passes.length, name).toBeGreaterThan(5);
}

/** SP-initiated SSO from the demo SP's page (scripts/demo-sp.ts): its "Sign in with Tessera" link, up to Tessera's sign-in page. */
export async function openSignInFromSp(page: Page, sp: DemoSp): Promise<void> {
  await page.goto(sp.url);
  await page.click('text=Sign in with Tessera');
  await page.waitForURL(/\/login\?state=/);
}

/** The whole SP-initiated sign-in with a password: the SP's ACS must validate the Response and show `user.email` as the NameID. */
export async function signInAtSp(page: Page, sp: DemoSp, user: { email: string; password: string }): Promise<void> {
  await openSignInFromSp(page, sp);
  await page.fill('#email', user.email);
  await page.fill('#password', user.password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${sp.url}/acs`);
  expect(await page.locator('#nameid').textContent()).toBe(user.email);
}
