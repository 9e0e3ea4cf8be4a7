import { secureRandom } from '../../security/random.ts';

/** Escapes text and attribute values for XML. Every value placed in a SAML template goes through here. */
export function xmlEscape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

/** A fresh xs:ID: starts with a letter or underscore; 160 random bits. */
export function samlId(): string {
  return `_${secureRandom(20).toString('hex')}`;
}

/** xs:dateTime in UTC with second precision and Z, as SPs compare them. */
export function samlTime(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}
