// Step: decode the message within the size limits of its binding, before any XML parser sees it.
import { decodePost, decodeRedirect } from '../xml/decode.ts';
import { refuse } from './reasons.ts';
import type { Inbound } from './types.ts';

export function decode({ incoming }: Pick<Inbound, 'incoming'>): { xml: string } {
  if (!incoming.message) throw refuse('malformed_request', 'Missing SAML message');
  return { xml: incoming.binding === 'redirect' ? decodeRedirect(incoming.message) : decodePost(incoming.message) };
}
