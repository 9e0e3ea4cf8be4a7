import { secureRandom } from '../../security/random.ts';

// Outside XML 1.0's Char production (tab, LF and CR are in it): the one definition of it, for what
// Tessera writes (xmlChars) and what it reads (parse.ts preflightXml).
const NOT_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const NOT_XML_CHAR = new RegExp(NOT_XML_CHARS.source, 'u');

/** Whether the text holds a character XML 1.0 does not allow. */
export function hasNonXmlChar(text: string): boolean {
  return NOT_XML_CHAR.test(text);
}

/**
 * The value with every character XML 1.0 does not allow replaced by U+FFFD. The API refuses them in
 * what it stores for assertions (http/validate.ts, assertionText); this keeps anything else (a row
 * written before that check) from making a document no SP can parse.
 */
export function xmlChars(value: string): string {
  return value.replace(NOT_XML_CHARS, '\uFFFD');
}

/** Escapes text and attribute values for XML. Every value placed in a SAML template goes through here. */
export function xmlEscape(value: string): string {
  return xmlChars(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

/** A fresh xs:ID: starts with a letter or underscore; 160 random bits. */
export function samlId(): string {
  return `_${secureRandom(20).toString('hex')}`;
}

/** xs:dateTime in UTC with second precision and Z, as SPs compare them. */
export function samlTime(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}
