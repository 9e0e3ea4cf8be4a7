import { describe, expect, it } from 'vitest';
import { newRequestId } from './random.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newRequestId', () => {
  it('is an RFC 9562 version-7 UUID whose first 48 bits are the current milliseconds', () => {
    const before = Date.now();
    const id = newRequestId();
    const after = Date.now();
    expect(id).toMatch(UUID_V7);
    const ms = parseInt(id.replaceAll('-', '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });

  it('sorts by time across milliseconds and never repeats', async () => {
    const first = Array.from({ length: 2000 }, newRequestId);
    await new Promise((r) => setTimeout(r, 3));
    const later = newRequestId();
    expect(new Set([...first, later]).size).toBe(2001);
    for (const id of first) expect(id < later).toBe(true);
  });
});
