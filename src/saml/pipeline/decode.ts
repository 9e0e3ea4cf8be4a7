// Step: decode the message within the size limits of its binding, before any XML parsing.
import { badRequest } from '../../http/errors.ts';
import { decodePost, decodeRedirect } from '../xml/decode.ts';
import type { IncomingMessage } from './types.ts';

export const MAX_RELAY_STATE_BYTES = 80;

export function decodeMessage(msg: IncomingMessage): string {
  if (!msg.message) throw badRequest('Missing SAML message');
  if (msg.relayState !== undefined && Buffer.byteLength(msg.relayState, 'utf8') > MAX_RELAY_STATE_BYTES) throw badRequest('RelayState must be at most 80 bytes');
  return msg.binding === 'redirect' ? decodeRedirect(msg.message) : decodePost(msg.message);
}
