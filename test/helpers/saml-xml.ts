// Hand-built SAML messages and XML inspection for tests: AuthnRequests for both bindings, namespace-aware
// lookups in issued Responses and metadata, signature checks pinned to a given certificate, and
// X.509 certificates with chosen key sizes and exponents (node-forge).
import { deflateRawSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import forge from 'node-forge';

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  metadata: 'urn:oasis:names:tc:SAML:2.0:metadata',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

export const NAME_ID = {
  email: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
} as const;

export const BINDING = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

export const STATUS = {
  success: 'urn:oasis:names:tc:SAML:2.0:status:Success',
  responder: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
  noPassive: 'urn:oasis:names:tc:SAML:2.0:status:NoPassive',
} as const;

export interface AuthnRequestOptions {
  issuer: string;
  destination?: string;
  acsUrl?: string;
  id?: string;
  issueInstant?: Date;
  /** An xs:boolean: a string to send it as written (`' true '`). */
  forceAuthn?: boolean | string;
  isPassive?: boolean | string;
}

/** xs:dateTime with second precision and Z. */
export function samlInstant(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

export function newRequestId(): string {
  return `_req${randomBytes(16).toString('hex')}`;
}

/** A schema-valid, unsigned AuthnRequest. */
export function authnRequest(o: AuthnRequestOptions): { id: string; xml: string } {
  const id = o.id ?? newRequestId();
  const attrs = [
    `ID="${id}"`,
    'Version="2.0"',
    `IssueInstant="${samlInstant(o.issueInstant ?? new Date())}"`,
    o.destination !== undefined ? `Destination="${o.destination}"` : '',
    o.acsUrl !== undefined ? `AssertionConsumerServiceURL="${o.acsUrl}" ProtocolBinding="${BINDING.post}"` : '',
    o.forceAuthn !== undefined ? `ForceAuthn="${o.forceAuthn}"` : '',
    o.isPassive !== undefined ? `IsPassive="${o.isPassive}"` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const xml =
    `<samlp:AuthnRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ${attrs}>` +
    `<saml:Issuer>${o.issuer}</saml:Issuer>` +
    `<samlp:NameIDPolicy AllowCreate="true"/>` +
    '</samlp:AuthnRequest>';
  return { id, xml };
}

/** HTTP-Redirect binding: base64(DEFLATE(xml)) in the query string. */
export function redirectUrl(sso: string, xml: string, relayState?: string): string {
  const params = new URLSearchParams({ SAMLRequest: deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64') });
  if (relayState !== undefined) params.set('RelayState', relayState);
  return `${sso}?${params.toString()}`;
}

/** Parses XML, throwing on any well-formedness error. */
export function parseXml(xml: string): Document {
  const errors: string[] = [];
  const doc = new DOMParser({
    locator: {},
    errorHandler: {
      warning: () => undefined,
      error: (m: string) => {
        errors.push(m);
      },
      fatalError: (m: string) => {
        errors.push(m);
      },
    },
  }).parseFromString(xml, 'text/xml');
  // documentElement is typed as always there; a text of only comments or white space has none.
  const hasRoot = Array.from({ length: doc.childNodes.length }, (_, i) => doc.childNodes.item(i)).some((n) => n.nodeType === 1);
  if (errors.length || !hasRoot) throw new Error(`not well-formed XML: ${errors.join('; ')}`);
  return doc;
}

/** Every element with this namespace and local name, in document order. */
export function all(node: Document | Element, ns: string, local: string): Element[] {
  const list = node.getElementsByTagNameNS(ns, local);
  return Array.from({ length: list.length }, (_, i) => list.item(i)).filter((e): e is Element => e !== null);
}

/** Direct element children with this namespace and local name. */
export function childrenOf(parent: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let i = 0; i < parent.childNodes.length; i++) {
    const n = parent.childNodes.item(i);
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === local) out.push(n as Element);
  }
  return out;
}

/** The only element with this name; throws when there are none or several. */
export function one(node: Document | Element, ns: string, local: string): Element {
  const found = all(node, ns, local);
  if (found.length !== 1) throw new Error(`expected exactly one ${local}, found ${found.length}`);
  return found[0] as Element;
}

export function text(el: Element): string {
  return el.textContent.trim();
}

/** Base64 body of a PEM certificate (as in ds:X509Certificate). */
export function pemBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

/**
 * True when `el` carries a direct-child enveloped signature over its own ID that verifies with `certPem`
 * (RSA-SHA256, KeyInfo ignored).
 */
export function verifiesWith(xml: string, el: Element, certPem: string): boolean {
  const sigs = childrenOf(el, NS.dsig, 'Signature');
  if (sigs.length !== 1) return false;
  const sx = new SignedXml({ publicCert: certPem, getCertFromKeyInfo: () => null });
  sx.loadSignature(sigs[0] as Element);
  const refs = sx.getReferences();
  if (refs.length !== 1 || refs[0]?.uri !== `#${el.getAttribute('ID') ?? ''}`) return false;
  if (sx.signatureAlgorithm !== 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256') return false;
  try {
    return sx.checkSignature(xml);
  } catch {
    return false;
  }
}

/** A self-signed X.509 certificate with an RSA key of the given size and public exponent (node-forge). */
export function rsaCertificate(bits: number, e = 0x10001, commonName = 'sp.example.com'): string {
  const keys = forge.pki.rsa.generateKeyPair({ bits, e });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  const attrs = [{ name: 'commonName', value: commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/**
 * Validates a SAML protocol message (Response, AuthnRequest, …) against the OASIS protocol schema that
 * ships with @authenio/samlify-xsd-schema-validator (assertion, xmldsig and xenc imported). null = valid.
 */
/**
 * Schema errors of an issued message, from the `xmllint` command line (Debian libxml2-utils): a
 * validator independent of the one Tessera uses for incoming messages.
 */
export function protocolSchemaError(xml: string): string | null {
  const dir = join(dirname(createRequire(import.meta.url).resolve('@authenio/samlify-xsd-schema-validator/package.json')), 'schemas');
  const run = spawnSync('xmllint', ['--noout', '--nonet', '--schema', join(dir, 'saml-schema-protocol-2.0.xsd'), '-'], { input: xml, encoding: 'utf8' });
  if (run.error) throw run.error;
  return run.status === 0 ? null : run.stderr.trim() || `xmllint exited with ${run.status}`;
}
