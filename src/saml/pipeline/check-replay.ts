// Step: a message ID is accepted once per service (the replay cache all instances share, saml/replay.ts).
// It runs last, so an ID is only spent by a message that passed every other check: a forged or
// stale copy cannot use up the real message's ID.
import { MAX_AGE_MS, SKEW_MS } from './check-issue-instant.ts';
import { refuse } from './reasons.ts';
import type { Inbound, MessageHeader } from './types.ts';

/** How long a seen ID must be remembered: until it would be refused as too old anyway. */
export function replayHorizon(issueInstant: Date): Date {
  return new Date(issueInstant.getTime() + MAX_AGE_MS + 2 * SKEW_MS);
}

export async function checkReplay({
  message,
  target,
  saml,
}: { message: Pick<MessageHeader, 'id' | 'issueInstant'> } & Pick<Inbound, 'target' | 'saml'>): Promise<void> {
  const fresh = await saml.replay.remember(target.service.id, message.id, replayHorizon(message.issueInstant));
  if (!fresh) throw refuse('replayed_request', 'This request was already used (replay)', { received: message.id });
}
