// What the console's browser suites check on every view they visit: axe-core's serious and critical
// findings, and that no credential sits in web storage, a readable cookie or the address bar.
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { axeCheck } from './chromium.ts';

// What a leaked credential would look like: a JWT, a refresh token, an API key, a webhook secret, the
// refresh cookie's name. (`\b`: a certificate id, cert_…, is no refresh token.)
export const SECRET_SHAPES = /eyJ[A-Za-z0-9_-]{10,}|\brt_[A-Za-z0-9_-]{16,}|\bsk_(live|test)_|\bwhsec_|tessera_refresh/;

/** Serious and critical axe-core findings (WCAG 2.x A/AA) on the page as it is now. */
export const axeFindings = async (page: Page): Promise<string[]> => (await axeCheck(page)).violations;

/** Nothing secret in localStorage, sessionStorage, document.cookie or the address bar. */
export async function expectNoTokenExposed(page: Page): Promise<void> {
  const exposed = await page.evaluate(() => ({
    local: Object.keys(localStorage).length,
    session: Object.keys(sessionStorage).length,
    cookie: document.cookie,
    url: location.href,
  }));
  expect(exposed.local).toBe(0);
  expect(exposed.session).toBe(0);
  expect(exposed.cookie).not.toMatch(SECRET_SHAPES);
  expect(exposed.url).not.toMatch(SECRET_SHAPES);
}

/** A console path in `page`, once its view's heading is up. */
export async function openView(page: Page, base: string, path: string): Promise<void> {
  await page.goto(`${base}/console${path}`);
  await page.locator('h1').first().waitFor();
}

/** The view as it is now, once its heading is up: no token exposed, and axe's findings, which a suite keeps by view name to assert together. */
export async function checkView(page: Page): Promise<string[]> {
  await page.locator('h1').first().waitFor();
  const findings = await axeFindings(page);
  await expectNoTokenExposed(page);
  return findings;
}

/** None of the named views had an axe finding (a failure shows each view's findings under its name). */
export function expectNoFindings(findings: Record<string, string[]>, ...names: string[]): void {
  expect(Object.fromEntries(names.map((n) => [n, findings[n]]))).toEqual(Object.fromEntries(names.map((n) => [n, []])));
}
