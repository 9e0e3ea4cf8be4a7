// Step: IssueInstant within the last 5 minutes (plus clock skew), and not in the future beyond skew.
import { refuse } from './reasons.ts';
import type { MessageHeader } from './types.ts';

export const MAX_AGE_MS = 5 * 60_000;
// One minute either way: what NTP-synchronised hosts never exceed, and the usual allowance of SAML
// implementations; a request six minutes old is refused.
export const SKEW_MS = 60_000;

export function checkIssueInstant({ message }: { message: Pick<MessageHeader, 'issueInstant'> }, now = new Date()): void {
  const t = message.issueInstant.getTime();
  const received = message.issueInstant.toISOString();
  const latest = new Date(now.getTime() + SKEW_MS);
  if (t > latest.getTime()) throw refuse('future_request', 'IssueInstant is in the future', { received, expected: `at most ${latest.toISOString()}` });
  const earliest = new Date(now.getTime() - MAX_AGE_MS - SKEW_MS);
  if (t < earliest.getTime()) throw refuse('expired_request', 'The request is too old', { received, expected: `at least ${earliest.toISOString()}` });
}
