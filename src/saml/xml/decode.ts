// Bounded decoding of SAML messages, before any XML parser sees them (docs/security.md, attacks 3 and 4).
import { inflateRawSync } from 'node:zlib';
import { refuse } from '../pipeline/reasons.ts';

export const LIMITS = { redirectEncoded: 16 * 1024, inflated: 256 * 1024, post: 128 * 1024 } as const;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function base64(value: string): Buffer {
  const compact = value.replace(/[\r\n\t ]+/g, '');
  if (!compact || compact.length % 4 !== 0 || !BASE64.test(compact)) throw refuse('malformed_request', 'SAML message is not valid base64');
  return Buffer.from(compact, 'base64');
}

function inflate(bytes: Buffer): string {
  try {
    // maxOutputLength stops a DEFLATE bomb at the limit instead of inflating it whole.
    return inflateRawSync(bytes, { maxOutputLength: LIMITS.inflated }).toString('utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw refuse('request_too_large', 'SAML message inflates beyond 256 KiB');
    throw refuse('malformed_request', 'SAML message is not valid DEFLATE data');
  }
}

/** HTTP-Redirect: base64 of raw DEFLATE, at most 16 KiB encoded and 256 KiB inflated. */
export function decodeRedirect(encoded: string): string {
  if (encoded.length > LIMITS.redirectEncoded) throw refuse('request_too_large', 'SAML message exceeds 16 KiB');
  return inflate(base64(encoded));
}

/** HTTP-POST: base64 of the XML; some SPs (node-saml) deflate it as well, so both are accepted. */
export function decodePost(encoded: string): string {
  if (encoded.length > LIMITS.post) throw refuse('request_too_large', 'SAML message exceeds 128 KiB');
  const bytes = base64(encoded);
  const head = bytes.subarray(0, 64).toString('utf8').trimStart();
  return head.startsWith('<') ? bytes.toString('utf8') : inflate(bytes);
}
