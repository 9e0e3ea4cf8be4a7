// Which second-factor step a sign-in needs (CONTRACT §11; docs/security.md, Policy and step-up).
// The organization's mfa_policy:
//   off       Tessera never asks for a second factor; a request that needs one is answered NoAuthnContext
//   optional  users with a factor are asked for it; a service or SP that needs MFA makes a user without
//             one enroll first
//   required  every sign-in passes a second factor; a user without one enrolls right after the password
// A service's require_mfa and an SP's RequestedAuthnContext can only raise what is needed.
import type { FactorPresence } from './presence.ts';
import { acceptableLevels, decide, withPolicy, type Level, type RequestedContext } from '../saml/authn-context.ts';

export type MfaPolicy = 'off' | 'optional' | 'required';

export function policyOf(org: { mfaPolicy: string }): MfaPolicy {
  return org.mfaPolicy === 'off' || org.mfaPolicy === 'required' ? org.mfaPolicy : 'optional';
}

export type Step = { kind: 'issue'; level: Level } | { kind: 'factor' } | { kind: 'enroll' } | { kind: 'unsatisfiable' };

export interface StepInput {
  org: { mfaPolicy: string };
  requireMfa: boolean;
  requested: RequestedContext | null;
  /** The level already reached: 1 after a password, 2 after a second factor. */
  have: Level;
  userId: string;
}

/** What comes next for a user at `have`: a Response at some level, the second factor, enrollment, or NoAuthnContext. */
export async function nextStep(factors: FactorPresence, input: StepInput): Promise<Step> {
  const policy = policyOf(input.org);
  const requested = acceptableLevels(input.requested);
  // A session that passed a second factor satisfies whatever the user's own factors would demand.
  if (input.have === 2) return asStep(decide(withPolicy(requested, input.requireMfa || policy === 'required'), 2));
  // Cached per instance and dropped on every enrollment or removal (presence.ts): no read on a warm SSO.
  const hasFactor = policy !== 'off' && (await factors.has(input.userId));
  const mfaRequired = input.requireMfa || policy === 'required' || hasFactor;
  const decision = decide(withPolicy(requested, mfaRequired), 1);
  if (decision.kind !== 'step_up') return asStep(decision);
  if (policy === 'off') return { kind: 'unsatisfiable' };
  return hasFactor ? { kind: 'factor' } : { kind: 'enroll' };
}

function asStep(d: ReturnType<typeof decide>): Step {
  return d.kind === 'step_up' ? { kind: 'unsatisfiable' } : d;
}
