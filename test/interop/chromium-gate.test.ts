// The browser suites skip only off CI: under CI a missing Chromium fails them (test/helpers/chromium.ts).
import { describe, expect, it } from 'vitest';
import { chromiumSuitesRun } from '../helpers/chromium.ts';

describe('when the Chromium suites run', () => {
  it('run wherever Chromium is installed', () => {
    expect(chromiumSuitesRun(true, undefined)).toBe(true);
    expect(chromiumSuitesRun(true, 'true')).toBe(true);
  });

  it('run under CI without Chromium, so that they fail instead of skipping', () => {
    expect(chromiumSuitesRun(false, 'true')).toBe(true);
    expect(chromiumSuitesRun(false, '1')).toBe(true);
  });

  it('are skipped without Chromium off CI', () => {
    for (const ci of [undefined, '', '0', 'false', 'FALSE']) expect(chromiumSuitesRun(false, ci), String(ci)).toBe(false);
  });
});
