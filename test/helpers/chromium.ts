// Debian's Chromium, driven by playwright-core, for the suites that sign in with a real browser.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { expect } from 'vitest';
import type { DemoSp } from '../../scripts/demo-sp.ts';

const CHROMIUM = '/usr/bin/chromium';

/** Whether the browser suites run: where Chromium is installed, and always under CI, where a missing browser fails them instead of skipping them. */
export function chromiumSuitesRun(installed: boolean, ci: string | undefined): boolean {
  return installed || (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false');
}

/** The browser suites run where the package is installed, and under CI (`CI` set) even without it; they are skipped elsewhere. */
export const hasChromium = chromiumSuitesRun(existsSync(CHROMIUM), process.env.CI);

/** Headless, without a sandbox (tests run as root) and without the browser's own background traffic. */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    return Promise.reject(
      new Error(`Chromium is not installed at ${CHROMIUM}, and CI is set, so the browser suites fail rather than skip: apt-get install chromium`),
    );
  }
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

/** WCAG 2.0 to 2.2, levels A and AA: what every browser suite holds its pages to. */
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** axe-core on the page as it is: its serious and critical violations of WCAG_AA (and of `extraTags`), one line each, and how many rules passed. */
export async function axeCheck(page: Page, extraTags: string[] = []): Promise<{ violations: string[]; passes: number }> {
  const result = await new AxeBuilder({ page }).withTags([...WCAG_AA, ...extraTags]).analyze();
  return {
    violations: result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    passes: result.passes.length,
  };
}

/** No serious or critical violation of WCAG 2.2 AA or best practice, and axe did check something. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  const { violations, passes } = await axeCheck(page, ['best-practice']);
  expect(violations, name).toEqual([]);
  expect(passes, name).toBeGreaterThan(5);
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
