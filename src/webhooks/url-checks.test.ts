import { describe, expect, it } from 'vitest';
import { OutboundError } from '../security/outbound.ts';
import { RoundUrlChecks } from './url-checks.ts';

describe('URL checks of a delivery round', () => {
  it('checks each URL once per round, shares a refusal, and checks again in the next round', async () => {
    const round = new RoundUrlChecks(false);
    const a = round.check('https://127.0.0.1/hook');
    expect(round.check('https://127.0.0.1/hook')).toBe(a);
    await expect(a).rejects.toBeInstanceOf(OutboundError);
    await expect(round.check('http://8.8.8.8/hook')).rejects.toMatchObject({ reason: 'scheme' });
    const next = new RoundUrlChecks(true);
    expect(next.check('https://127.0.0.1/hook')).not.toBe(a);
    await expect(next.check('https://127.0.0.1/hook')).resolves.toMatchObject({ address: '127.0.0.1' });
  });
});
