// Step: RelayState goes back to the ACS verbatim, so it is bounded first (80 bytes, SAML bindings
// §3.4.3 / §3.5.3), before any decoding work is spent on the message.
import { refuse } from './reasons.ts';
import type { Inbound } from './types.ts';

export const MAX_RELAY_STATE_BYTES = 80;

/** Also IdP-initiated sign-in's rule (/init), where a RelayState comes without a message. */
export function assertRelayState(relayState: string | undefined): void {
  if (relayState === undefined) return;
  const bytes = Buffer.byteLength(relayState, 'utf8');
  // The length only: the value is the SP's own state and stays out of the log line.
  if (bytes > MAX_RELAY_STATE_BYTES)
    throw refuse('relay_state_too_long', 'RelayState must be at most 80 bytes', {
      received: `${bytes} bytes`,
      expected: `at most ${MAX_RELAY_STATE_BYTES} bytes`,
    });
}

export function checkRelayState({ incoming }: Pick<Inbound, 'incoming'>): void {
  assertRelayState(incoming.relayState);
}
