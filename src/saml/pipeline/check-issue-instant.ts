// Step: IssueInstant within the last 5 minutes (plus clock skew), and not in the future beyond skew.
import { badRequest } from '../../http/errors.ts';

export const MAX_AGE_MS = 5 * 60_000;
export const SKEW_MS = 90_000;

export function checkIssueInstant(issueInstant: Date, now = new Date()): void {
  const t = issueInstant.getTime();
  if (t > now.getTime() + SKEW_MS) throw badRequest('IssueInstant is in the future');
  if (t < now.getTime() - MAX_AGE_MS - SKEW_MS) throw badRequest('The request is too old');
}

/** How long a seen ID must be remembered: until it would be refused as too old anyway. */
export function replayHorizon(issueInstant: Date): Date {
  return new Date(issueInstant.getTime() + MAX_AGE_MS + 2 * SKEW_MS);
}
