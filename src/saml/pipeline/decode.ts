// Step: decode the message within the size limits of its binding, before any XML parser sees it.
import { decodePost, decodeRedirect } from '../xml/decode.ts';
import { decodeQueryComponent } from '../xml/signature.ts';
import { refuse } from './reasons.ts';
import type { Inbound } from './types.ts';

/** The only encoding the HTTP-Redirect binding defines (SAML Bindings §3.4.4.1), and the default when none is named. */
const DEFLATE = 'urn:oasis:names:tc:SAML:2.0:bindings:URL-Encoding:DEFLATE';

export function decode({ incoming }: Pick<Inbound, 'incoming'>): { xml: string } {
  if (!incoming.message) throw refuse('malformed_request', 'Missing SAML message');
  const encoding = incoming.rawParams.get('SAMLEncoding');
  if (encoding !== undefined && decodeQueryComponent(encoding) !== DEFLATE)
    throw refuse('malformed_request', 'SAMLEncoding must be DEFLATE, the only encoding supported');
  return { xml: incoming.binding === 'redirect' ? decodeRedirect(incoming.message) : decodePost(incoming.message) };
}
