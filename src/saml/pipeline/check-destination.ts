// Step: a Destination, when present, must be exactly this endpoint's URL (SSO or SLO of this service).
import { refuse } from './reasons.ts';
import type { Inbound, MessageHeader } from './types.ts';

export function checkDestination({ message, endpointUrl }: { message: Pick<MessageHeader, 'destination'> } & Pick<Inbound, 'endpointUrl'>): void {
  const { destination } = message;
  if (destination !== undefined && destination !== endpointUrl)
    throw refuse('destination_mismatch', 'Destination does not match this endpoint', { received: destination, expected: endpointUrl });
}
