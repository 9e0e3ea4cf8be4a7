// Step: a LogoutRequest's own NotOnOrAfter, when it has one, has not passed (SAML core §3.7.1): the SP
// may set a shorter life than the IssueInstant window allows.
import { refuse } from './reasons.ts';
import type { LogoutRequestData } from './types.ts';

export function checkNotOnOrAfter({ message }: { message: Pick<LogoutRequestData, 'notOnOrAfter'> }, now = new Date()): void {
  const limit = message.notOnOrAfter;
  if (limit && limit.getTime() <= now.getTime()) {
    throw refuse('expired_request', 'The LogoutRequest has expired (NotOnOrAfter)', { received: limit.toISOString(), expected: `after ${now.toISOString()}` });
  }
}
