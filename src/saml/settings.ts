// Per-SP settings, parsed once from the database row into one typed object (docs/architecture.md, convention 7),
// and the URLs Tessera publishes for a service.
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import type { SamlConfig } from '../db/models.ts';
import { ENCRYPTION_ALGORITHM_NAMES, type EncryptionAlgorithm } from './xml/encrypt.ts';
import { isAssertionText } from '../http/validate.ts';
import { NAME_ID_FORMATS, formatTakesSource } from './name-id-formats.ts';

export { NAME_ID_FORMATS, formatTakesSource } from './name-id-formats.ts';
export const NAME_ID_FORMAT_VALUES = Object.values(NAME_ID_FORMATS) as [string, ...string[]];
export const ATTRIBUTE_SOURCES = ['id', 'email', 'created_at', 'plan_id', 'plan_name', 'subscription_status', 'features', 'groups', 'name', 'mfa'] as const;
/** A fixed source, or `attributes.<name>`: one of the directory user's own attributes. */
export type AttributeSource = (typeof ATTRIBUTE_SOURCES)[number] | `attributes.${string}`;
/** `attributes.<name>`, the name as the user directory allows it. */
export const USER_ATTRIBUTE_SOURCE = /^attributes\.[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
export const isAttributeSource = (source: string): source is AttributeSource =>
  (ATTRIBUTE_SOURCES as readonly string[]).includes(source) || USER_ATTRIBUTE_SOURCE.test(source);
/** Where the NameID comes from for the emailAddress and unspecified formats. */
export const isNameIdSource = (source: string): boolean => source === 'email' || source === 'id' || USER_ATTRIBUTE_SOURCE.test(source);

/** One ACS endpoint (HTTP-POST, the only response binding). */
export interface AcsEndpoint {
  url: string;
  index: number;
  isDefault: boolean;
}
export const MAX_ACS_ENDPOINTS = 32;

export interface SamlSettings {
  serviceId: string;
  enabled: boolean;
  entityId: string;
  /** The default ACS endpoint's URL (IdP-initiated sign-in, requests naming none). */
  acsUrl: string;
  /** Every registered endpoint; one (acs_url at index 0) when acs_urls is empty. */
  acsEndpoints: AcsEndpoint[];
  sloUrl: string | null;
  nameIdFormat: string;
  /** email | id | attributes.<name>; null: the format's own default (email, or the id for unspecified). */
  nameIdSource: string | null;
  attributeMapping: [AttributeSource, string][];
  signAssertions: boolean;
  signResponse: boolean;
  spCertificate: string | null;
  wantAuthnRequestsSigned: boolean;
  allowIdpInitiated: boolean;
  /** Every Response of this service needs a sign-in with a second factor. */
  requireMfa: boolean;
  /** The SP certificate Assertions are encrypted to; null: Assertions go in clear. */
  encryption: { certificatePem: string; algorithm: EncryptionAlgorithm } | null;
}

function encryptionFrom(row: SamlConfig): SamlSettings['encryption'] {
  if (!row.encryptAssertions || !row.spEncryptionCertificate) return null;
  const algorithm = ENCRYPTION_ALGORITHM_NAMES.find((a) => a === row.encryptionAlgorithm) ?? 'aes256-gcm';
  return { certificatePem: row.spEncryptionCertificate, algorithm };
}

/** The stored acs_urls (JSON written by the admin commands), or acs_url alone as the default at index 0. */
export function acsEndpointsFrom(row: Pick<SamlConfig, 'acsUrl' | 'acsUrls'>): AcsEndpoint[] {
  let stored: unknown;
  try {
    stored = JSON.parse(row.acsUrls);
  } catch {
    stored = [];
  }
  const list = Array.isArray(stored)
    ? stored.flatMap((e: unknown) => {
        if (e === null || typeof e !== 'object') return [];
        const { url, index, is_default } = e as Record<string, unknown>;
        return typeof url === 'string' && typeof index === 'number' ? [{ url, index, isDefault: is_default === true }] : [];
      })
    : [];
  if (list.length > 0) return list;
  return row.acsUrl ? [{ url: row.acsUrl, index: 0, isDefault: true }] : [];
}

export function settingsFrom(row: SamlConfig): SamlSettings {
  const acsEndpoints = acsEndpointsFrom(row);
  const mapping = JSON.parse(row.attributeMapping) as Record<string, string>;
  return {
    serviceId: row.serviceId,
    enabled: row.enabled,
    entityId: row.entityId ?? '',
    acsUrl: (acsEndpoints.find((e) => e.isDefault) ?? acsEndpoints[0])?.url ?? row.acsUrl ?? '',
    acsEndpoints,
    sloUrl: row.sloUrl,
    nameIdFormat: row.nameIdFormat,
    nameIdSource: row.nameIdSource && formatTakesSource(row.nameIdFormat) ? row.nameIdSource : null,
    attributeMapping: Object.entries(mapping).filter((e): e is [AttributeSource, string] => isAttributeSource(e[0])),
    signAssertions: row.signAssertions,
    signResponse: row.signResponse,
    spCertificate: row.spCertificate,
    wantAuthnRequestsSigned: row.wantAuthnRequestsSigned,
    allowIdpInitiated: row.allowIdpInitiated,
    requireMfa: row.requireMfa,
    encryption: encryptionFrom(row),
  };
}

export interface IdpUrls {
  entityId: string;
  metadata: string;
  sso: string;
  slo: string;
  init: string;
}

export function idpUrls(publicUrl: string, orgSlug: string, serviceSlug: string): IdpUrls {
  const base = `${publicUrl}/saml/${orgSlug}/${serviceSlug}`;
  return { entityId: `${base}/metadata`, metadata: `${base}/metadata`, sso: `${base}/sso`, slo: `${base}/slo`, init: `${base}/init` };
}

/** An SP certificate (signing or encryption) must be an RSA key of at least 2048 bits with e = 65537. Returns the normalised PEM. */
export function checkSpCertificate(pem: string, field = 'sp_certificate'): { ok: true; pem: string } | { ok: false; reason: string } {
  // X509Certificate reads the first certificate of a bundle and ignores the rest: a second one (weaker,
  // or the one meant) would be dropped without a word.
  if ((pem.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length > 1) return { ok: false, reason: `${field} must hold one certificate, not a bundle` };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return { ok: false, reason: `${field} is not a PEM X.509 certificate` };
  }
  const details = cert.publicKey.asymmetricKeyDetails;
  if (cert.publicKey.asymmetricKeyType !== 'rsa' || !details) return { ok: false, reason: `${field} must hold an RSA public key` };
  if ((details.modulusLength ?? 0) < 2048) return { ok: false, reason: `${field} key must be at least 2048 bits` };
  if (details.publicExponent !== 65537n) return { ok: false, reason: `${field} key exponent must be 65537` };
  return { ok: true, pem: cert.toString() };
}

export function endpointUrl(allowHttp: boolean) {
  return (
    z
      .string()
      .trim()
      .max(2048)
      // The URL parser drops tabs and newlines inside a URL, but the value is written as it came into
      // Destination, Recipient and the form's action: no whitespace or control character at all.
      .refine((v) => !/\s/.test(v) && isAssertionText(v), 'A URL must not contain spaces or control characters')
      .refine((v) => {
        try {
          const u = new URL(v);
          if (u.hash || u.username || u.password) return false;
          if (u.protocol === 'https:') return true;
          return u.protocol === 'http:' && (allowHttp || ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname));
        } catch {
          return false;
        }
      }, 'Must be an absolute https URL (http only for localhost)')
  );
}
