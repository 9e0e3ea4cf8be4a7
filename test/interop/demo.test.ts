// `npm run demo` in a real browser: the newcomer opens the demo SP, clicks "Sign in with Tessera",
// signs in with the printed credentials and sees their NameID and attributes.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { runDemo, type Demo } from '../../scripts/demo.ts';

const CHROMIUM = '/usr/bin/chromium';

describe.runIf(existsSync(CHROMIUM))('npm run demo', () => {
  let demo: Demo;
  let browser: Browser;
  beforeAll(async () => {
    demo = await runDemo({ tesseraPort: 0, spPort: 0, dataDir: mkdtempSync(join(tmpdir(), 'tessera-demo-')), quiet: true });
    browser = await chromium.launch({
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
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('signs the demo user in and shows NameID and attributes on the SP page', async () => {
    const page = await browser.newPage();
    await page.goto(demo.sp.url);
    await page.click('text=Sign in with Tessera');
    await page.waitForURL(/\/login\?state=/);
    await page.fill('#email', demo.user.email);
    await page.fill('#password', demo.user.password);
    await page.click('button[type=submit]');
    await page.waitForURL(`${demo.sp.url}/acs`);
    expect(await page.locator('#nameid').textContent()).toBe(demo.user.email);
    const body = (await page.locator('body').textContent()) ?? '';
    expect(body).toContain('plan');
    expect(body).toContain('Pro');
    expect(body).toContain('reports');
    expect(body).toContain('active');
    await page.close();
  });
});
