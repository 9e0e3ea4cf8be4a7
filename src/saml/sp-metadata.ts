// SP metadata import for POST …/saml (`sp_metadata_xml`): an SP's EntityDescriptor gives the entity
// ID, every HTTP-POST AssertionConsumerService (with its index), the SingleLogoutService, the signing and
// encryption certificates, AuthnRequestsSigned and the NameIDFormat. It is untrusted text: bounded, no DTD, bounded depth,
// parsed by xmldom only, and read namespace-aware. Every refusal is a 400 naming what is wrong.
import { AppError, badRequest } from '../http/errors.ts';
import { children, parseDom, plainText, preflightXml, xsBoolean } from './xml/parse.ts';
import { MAX_ACS_ENDPOINTS, NAME_ID_FORMAT_VALUES, checkSpCertificate, endpointUrl } from './settings.ts';

/** CONTRACT §14's limit for metadata by URL; pasted metadata is bounded by the 1 MiB body before this. */
export const MAX_SP_METADATA_BYTES = 1024 * 1024;
const FIELD = 'sp_metadata_xml';
const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const HTTP_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const HTTP_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

/** What the metadata says, in the admin payload's own field names. */
export interface SpMetadataFields {
  entity_id: string;
  acs_url: string;
  acs_urls: { url: string; binding: 'HTTP-POST'; index: number; is_default: boolean }[];
  slo_url?: string;
  sp_certificate?: string;
  sp_encryption_certificate?: string;
  want_authn_requests_signed?: boolean;
  name_id_format?: string;
}

const refuse = (reason: string) => badRequest(`Invalid SP metadata: ${reason}`, [{ field: FIELD, message: reason }]);

function parse(xml: string): Document {
  if (Buffer.byteLength(xml, 'utf8') > MAX_SP_METADATA_BYTES) throw refuse('larger than 1 MiB');
  try {
    preflightXml(xml, 'the document');
    return parseDom(xml, 'the document');
  } catch (err) {
    if (err instanceof AppError) throw refuse(err.message);
    throw err;
  }
}

/** The endpoint of a binding, preferring isDefault="true", then the lowest index, then document order. */
function endpoint(descriptor: Element, local: string, bindings: string[]): string | undefined {
  for (const binding of bindings) {
    const found = children(descriptor, MD, local).filter((e) => e.getAttribute('Binding') === binding && e.getAttribute('Location'));
    const index = (e: Element) => (e.hasAttribute('index') ? Number(e.getAttribute('index')) : NaN) || Number.MAX_SAFE_INTEGER;
    const best = found.find((e) => xsBoolean(e.getAttribute('isDefault')) === true) ?? [...found].sort((a, b) => index(a) - index(b))[0];
    if (best) return (best.getAttribute('Location') ?? '').trim();
  }
  return undefined;
}

/**
 * Every HTTP-POST AssertionConsumerService with its index; the default is the one with isDefault="true",
 * else the first without isDefault="false", else the first (SAML metadata §2.2.3).
 */
function acsEndpoints(descriptor: Element): SpMetadataFields['acs_urls'] {
  const found = children(descriptor, MD, 'AssertionConsumerService').filter((e) => e.getAttribute('Binding') === HTTP_POST && e.getAttribute('Location'));
  if (found.length > MAX_ACS_ENDPOINTS) throw refuse(`more than ${MAX_ACS_ENDPOINTS} HTTP-POST AssertionConsumerService endpoints`);
  const indexes = new Set<number>();
  const list = found.map((e) => {
    const index = Number(e.getAttribute('index') ?? 'x');
    if (!e.hasAttribute('index') || !Number.isInteger(index) || index < 0 || index > 32767)
      throw refuse('every AssertionConsumerService needs an index between 0 and 32767');
    if (indexes.has(index)) throw refuse(`AssertionConsumerService index ${index} is used twice`);
    indexes.add(index);
    return { url: (e.getAttribute('Location') ?? '').trim(), binding: 'HTTP-POST' as const, index, isDefault: xsBoolean(e.getAttribute('isDefault')) };
  });
  const chosen = [list.findIndex((e) => e.isDefault === true), list.findIndex((e) => e.isDefault !== false), 0].find((i) => i >= 0) ?? 0;
  return list.map((e, i) => ({ url: e.url, binding: e.binding, index: e.index, is_default: i === chosen }));
}

/** The first certificate for `use` (a KeyDescriptor without use serves both), checked like sp_certificate. */
function certificate(descriptor: Element, use: 'signing' | 'encryption'): string | undefined {
  const key = children(descriptor, MD, 'KeyDescriptor').find((k) => !k.hasAttribute('use') || k.getAttribute('use') === use);
  const x509 = key?.getElementsByTagNameNS(DSIG, 'X509Certificate').item(0);
  if (!key || !x509) return undefined;
  const body = plainText(x509).replace(/\s+/g, '');
  const pem = `-----BEGIN CERTIFICATE-----\n${(body.match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;
  const checked = checkSpCertificate(pem, 'x');
  if (!checked.ok) throw refuse(`${use} certificate: ${checked.reason.replace(/^x /, '')}`);
  return checked.pem;
}

function spDescriptor(root: Element): Element {
  if (root.namespaceURI !== MD || root.localName !== 'EntityDescriptor') throw refuse('the root element must be an md:EntityDescriptor');
  const validUntil = root.getAttribute('validUntil');
  if (validUntil && new Date(validUntil).getTime() < Date.now()) throw refuse('the metadata has expired (validUntil)');
  const descriptors = children(root, MD, 'SPSSODescriptor');
  if (descriptors.length !== 1) throw refuse(descriptors.length ? 'more than one SPSSODescriptor' : 'no SPSSODescriptor');
  const descriptor = descriptors[0] as Element;
  if (!(descriptor.getAttribute('protocolSupportEnumeration') ?? '').split(/\s+/).includes(PROTOCOL))
    throw refuse('the SPSSODescriptor does not support SAML 2.0');
  return descriptor;
}

/** What the metadata says: its fields, and every NameIDFormat it lists that Tessera knows, in order. */
export interface SpMetadata {
  fields: SpMetadataFields;
  nameIdFormats: string[];
}

function readSpMetadata(xml: string): SpMetadata {
  const root = parse(xml).documentElement as Element;
  const descriptor = spDescriptor(root);
  const entityId = (root.getAttribute('entityID') ?? '').trim();
  if (!entityId || entityId.length > 1024) throw refuse('entityID is missing or longer than 1024 characters');
  const acsUrls = acsEndpoints(descriptor);
  const acs = acsUrls.find((e) => e.is_default)?.url;
  if (!acs) throw refuse('no AssertionConsumerService with the HTTP-POST binding');
  // Tessera sends logout messages by HTTP-POST; an SP that lists only Redirect usually serves both there.
  const slo = endpoint(descriptor, 'SingleLogoutService', [HTTP_POST, HTTP_REDIRECT]);
  const signing = certificate(descriptor, 'signing');
  const encryption = certificate(descriptor, 'encryption');
  const signed = xsBoolean(descriptor.getAttribute('AuthnRequestsSigned'));
  if (signed && !signing) throw refuse('AuthnRequestsSigned is true but there is no signing certificate');
  // The first listed format fills name_id_format; one Tessera does not know is not a choice.
  const formats = children(descriptor, MD, 'NameIDFormat')
    .map(plainText)
    .filter((f) => NAME_ID_FORMAT_VALUES.includes(f));
  const format = formats[0];
  const fields: SpMetadataFields = {
    entity_id: entityId,
    acs_url: acs,
    acs_urls: acsUrls,
    ...(slo ? { slo_url: slo } : {}),
    ...(signing ? { sp_certificate: signing } : {}),
    ...(encryption ? { sp_encryption_certificate: encryption } : {}),
    ...(signed !== undefined ? { want_authn_requests_signed: signed } : {}),
    ...(format ? { name_id_format: format } : {}),
  };
  return { fields, nameIdFormats: formats };
}

/**
 * The metadata read, with its endpoints held to the same URL rule as acs_url/slo_url, except those the
 * admin gives explicitly in the same payload (`explicit`'s keys), which replace them.
 */
export function readCheckedSpMetadata(xml: string, allowHttp: boolean, explicit: Record<string, unknown> = {}): SpMetadata {
  const read = readSpMetadata(xml);
  const url = endpointUrl(allowHttp);
  const mustBeUrl = (value: string, what: string) => {
    if (!url.safeParse(value).success) throw refuse(`the ${what} Location must be an absolute https URL (http only for localhost)`);
  };
  if (!('acs_url' in explicit || 'acs_urls' in explicit)) for (const e of read.fields.acs_urls) mustBeUrl(e.url, 'AssertionConsumerService');
  if (!('slo_url' in explicit) && read.fields.slo_url !== undefined) mustBeUrl(read.fields.slo_url, 'SingleLogoutService');
  return read;
}

/**
 * The admin payload with the metadata's values filled in; fields given explicitly in the payload win.
 * A metadata URL that will be used must satisfy the same URL rule as acs_url/slo_url.
 */
export function applySpMetadata(body: unknown, allowHttp: boolean): unknown {
  if (body === null || typeof body !== 'object' || !(FIELD in body)) return body;
  const { [FIELD]: xml, ...explicit } = body as Record<string, unknown>;
  if (typeof xml !== 'string') throw refuse('must be a string holding an EntityDescriptor');
  const derived: Record<string, unknown> = { ...readCheckedSpMetadata(xml, allowHttp, explicit).fields };
  // ACS endpoints come as a whole: an explicit acs_url or acs_urls replaces every one from the metadata.
  if ('acs_url' in explicit || 'acs_urls' in explicit) {
    delete derived.acs_url;
    delete derived.acs_urls;
  }
  return { ...derived, ...explicit };
}
