// Step: the Issuer must be exactly the SP entity ID configured for this service.
import { refuse } from './reasons.ts';
import type { MessageHeader, ResolvedService } from './types.ts';

export function checkIssuer({ message, target }: { message: Pick<MessageHeader, 'issuer'>; target: ResolvedService }): void {
  const expected = target.settings.entityId;
  if (message.issuer !== expected) throw refuse('unknown_issuer', 'Unknown Issuer for this service', { received: message.issuer, expected });
}
