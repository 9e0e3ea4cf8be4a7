// Debian's Chromium, driven by playwright-core, for the suites that sign in with a real browser.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

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
