// `npm run demo` in a real browser: the newcomer opens the demo SP, clicks "Sign in with Tessera",
// signs in with the printed credentials and sees their NameID and attributes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { hasChromium, launchChromium, signInAtSp } from '../helpers/chromium.ts';
import { deferredCleanups } from '../helpers/suite.ts';
import { runDemo, type Demo } from '../../scripts/demo.ts';

describe.runIf(hasChromium)('npm run demo', () => {
  let demo: Demo;
  let browser: Browser;
  const defer = deferredCleanups();
  beforeAll(async () => {
    demo = await runDemo({ tesseraPort: 0, spPort: 0, dataDir: mkdtempSync(join(tmpdir(), 'tessera-demo-')), quiet: true });
    defer(() => demo.close());
    browser = await launchChromium();
    defer(() => browser.close());
  }, 60_000);

  it('signs the demo user in and shows NameID and attributes on the SP page', async () => {
    const page = await browser.newPage();
    await signInAtSp(page, demo.sp, demo.user);
    const body = (await page.locator('body').textContent()) ?? '';
    expect(body).toContain('plan');
    expect(body).toContain('Pro');
    expect(body).toContain('reports');
    expect(body).toContain('active');
    await page.close();
  });
});
