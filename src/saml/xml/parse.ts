// The only XML parsing entry point for untrusted SAML messages. Refuses DTDs (so no entity expansion
// and no external fetch), excessive nesting, several roots, and anything the schema does not allow.
import { DOMParser } from '@xmldom/xmldom';
import { refuse } from '../pipeline/reasons.ts';
import type { SchemaValidator } from './schema.ts';
import { hasNonXmlChar } from './escape.ts';

const MAX_DEPTH = 64;

/** Linear scan for nesting depth, so a 10 000-deep document is refused before a parser walks it. */
function maxDepth(xml: string): number {
  let depth = 0;
  let max = 0;
  for (let i = xml.indexOf('<'); i !== -1; i = xml.indexOf('<', i + 1)) {
    const next = xml.charCodeAt(i + 1);
    if (next === 47 /* / */) depth--;
    else if (next !== 33 /* ! */ && next !== 63 /* ? */) {
      const end = xml.indexOf('>', i);
      if (end === -1) break;
      if (xml.charCodeAt(end - 1) !== 47) {
        depth++;
        if (depth > max) max = depth;
        if (max > MAX_DEPTH) return max;
      }
    }
  }
  return max;
}

/**
 * Checks that need no parser: characters, DTD, nesting depth. `what` names the document in errors.
 * Characters first: libxml2 stops reading at a NUL, so the schema would validate only the part before
 * it while the DOM parser reads on; anything outside XML 1.0's Char production is refused before either.
 */
export function preflightXml(xml: string, what = 'SAML message'): void {
  if (hasNonXmlChar(xml)) throw refuse('malformed_request', `${what} contains characters XML does not allow`);
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw refuse('dtd_forbidden', `${what} must not contain a DTD`);
  if (maxDepth(xml) > MAX_DEPTH) throw refuse('malformed_request', `${what} is nested too deeply`);
}

/**
 * The root element, or null. xmldom's types promise one, but a document it parsed leniently (or not at
 * all) may have none: this is where that promise is not taken on trust.
 */
export function documentRoot(doc: Document | undefined): Element | null {
  return (doc?.documentElement as Element | null | undefined) ?? null;
}

/** xmldom parse that fails on any error and on anything but exactly one root element. */
export function parseDom(xml: string, what = 'SAML message'): Document {
  const errors: string[] = [];
  const doc = new DOMParser({
    locator: {},
    errorHandler: {
      warning: () => undefined,
      error: (m: string) => errors.push(m),
      fatalError: (m: string) => errors.push(m),
    },
  }).parseFromString(xml, 'text/xml');
  if (errors.length > 0 || !documentRoot(doc)) throw refuse('malformed_request', `${what} is not well-formed XML`);
  const roots = Array.from({ length: doc.childNodes.length }, (_, i) => doc.childNodes.item(i)).filter((n) => n.nodeType === 1);
  if (roots.length !== 1) throw refuse('malformed_request', `${what} must have exactly one root element`);
  return doc;
}

export function parseSamlXml(xml: string, schema: SchemaValidator): Document {
  preflightXml(xml);
  const schemaError = schema.validate(xml);
  if (schemaError) throw refuse('schema_invalid', `SAML message is not schema-valid: ${schemaError}`);
  return parseDom(xml);
}

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

/** Direct element children of `parent` with this namespace and local name. */
export function children(parent: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let i = 0; i < parent.childNodes.length; i++) {
    const n = parent.childNodes.item(i);
    if (n.nodeType === 1) {
      const e = n as Element;
      if (e.namespaceURI === ns && e.localName === local) out.push(e);
    }
  }
  return out;
}

/**
 * An xs:boolean value: true, false, 1 or 0 once XML whitespace around it is collapsed away (the type's
 * whiteSpace facet), as the schema that accepted it reads it: `ForceAuthn=" true "` is true. Undefined
 * for an absent or other value.
 */
export function xsBoolean(value: string | null | undefined): boolean | undefined {
  const v = value?.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  return v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : undefined;
}

/** The text of a single direct child element, or undefined. Comments inside are ignored, not joined. */
export function childText(parent: Element, ns: string, local: string): string | undefined {
  const found = children(parent, ns, local);
  if (found.length > 1) throw refuse('malformed_request', `SAML message has more than one ${local}`);
  const el = found[0];
  return el ? plainText(el) : undefined;
}

/** The trimmed text of an element that must hold text only: a comment or processing instruction
 * inside (`alice@x.com<!---->.evil.com`) is refused rather than skipped, so no two readers disagree. */
export function plainText(el: Element): string {
  const local = el.localName;
  let text = '';
  for (let i = 0; i < el.childNodes.length; i++) {
    const n = el.childNodes.item(i);
    if (n.nodeType === 3 || n.nodeType === 4) text += n.nodeValue ?? '';
    else if (n.nodeType === 8 || n.nodeType === 7) throw refuse('malformed_request', `${local} must not contain comments or processing instructions`);
    else if (n.nodeType === 1) throw refuse('malformed_request', `${local} must be plain text`);
  }
  return text.trim();
}
