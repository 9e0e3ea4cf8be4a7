// TOTP for admin accounts in tests: codes computed from the secret the API handed out (as an
// authenticator app would), each for a later time step than the last one used, so a test can spend
// up to three codes in a row without waiting (the server accepts one step either side of now).
import { expect } from 'vitest';
import type { Admin } from './fixtures.ts';
import { PASSWORD } from './fixtures.ts';
import { totpCode } from './mfa.ts';

const PERIOD_MS = 30_000;

export class TotpClock {
  private last = -Infinity;
  constructor(readonly secret: string) {}

  /** A code the server has not seen: the step after the last one used, at least now − 1. */
  async next(): Promise<string> {
    const now = Math.floor(Date.now() / PERIOD_MS);
    const step = Math.max(this.last + 1, now - 1);
    if (step > now + 1) throw new Error('three codes were spent within one 30-second step: no later code is accepted yet');
    this.last = step;
    return totpCode(this.secret, step * PERIOD_MS);
  }
}

export interface Enrollment {
  secret: string;
  otpauth_uri: string;
}

/** Starts an enrollment for `admin` (its password is fixtures' PASSWORD). */
export async function startTotp(admin: Admin): Promise<TotpClock> {
  const res = await admin.client.post<Enrollment>('/api/auth/mfa/totp', { password: PASSWORD });
  expect(res.status, res.text).toBe(200);
  return new TotpClock(res.body.secret);
}

/** Enables TOTP for `admin` through the API; the clock has spent one code. */
export async function enableTotp(admin: Admin): Promise<TotpClock> {
  const clock = await startTotp(admin);
  const res = await admin.client.post('/api/auth/mfa/totp/confirm', { code: await clock.next() });
  expect(res.status, res.text).toBe(200);
  return clock;
}
