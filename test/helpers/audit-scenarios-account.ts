// Audit scenarios of an admin account's own TOTP (docs/api.md, "Admin accounts: TOTP"): enabling and
// disabling it is listed in the log of every organization the account belongs to (here: one).
import { PASSWORD, addMember } from './fixtures.ts';
import { enableTotp, startTotp } from './admin-totp.ts';
import { acct, type AuditWorld, type Scenario } from './audit-scenarios.ts';

async function newMember(w: AuditWorld) {
  return addMember(w.owner, w.org, 'member', w.base);
}

export const ACCOUNT_SCENARIOS: Record<string, Scenario> = {
  'POST /api/auth/mfa/totp/confirm': async (w) => {
    const m = await newMember(w);
    const clock = await startTotp(m);
    w.secrets.push(clock.secret);
    return {
      method: 'POST',
      path: '/api/auth/mfa/totp/confirm',
      body: { code: await clock.next() },
      as: m.client,
      actor: acct(m),
      action: 'account.totp_enabled',
      target: m.accountId,
      org: w.org,
      badBody: true,
    };
  },
  'DELETE /api/auth/mfa/totp': async (w) => {
    const m = await newMember(w);
    const clock = await enableTotp(m);
    w.secrets.push(clock.secret);
    return {
      method: 'DELETE',
      path: '/api/auth/mfa/totp',
      body: { password: PASSWORD, code: await clock.next() },
      as: m.client,
      actor: acct(m),
      action: 'account.totp_disabled',
      target: m.accountId,
      org: w.org,
      badBody: true,
    };
  },
};
