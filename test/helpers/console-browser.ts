// What the console's browser suites check on every view they visit: axe-core's serious and critical
// findings, and that no credential sits in web storage, a readable cookie or the address bar.
import type { Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { expect } from 'vitest';

// What a leaked credential would look like: a JWT, a refresh token, an API key, a webhook secret, the
// refresh cookie's name. (`\b`: a certificate id, cert_…, is no refresh token.)
export const SECRET_SHAPES = /eyJ[A-Za-z0-9_-]{10,}|\brt_[A-Za-z0-9_-]{16,}|\bsk_(live|test)_|\bwhsec_|tessera_refresh/;

/** Serious and critical axe-core findings (WCAG 2.x A/AA) on the page as it is now. */
export async function axeFindings(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

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
