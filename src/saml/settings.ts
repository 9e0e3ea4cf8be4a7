// Per-SP settings, parsed once from the database row into one typed object (docs/architecture.md, convention 7),
// and the URLs Tessera publishes for a service.
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import type { SamlConfig } from '../db/models.ts';

export const NAME_ID_FORMATS = {
  email: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
} as const;
export const NAME_ID_FORMAT_VALUES = Object.values(NAME_ID_FORMATS) as [string, ...string[]];
export const ATTRIBUTE_SOURCES = ['id', 'email', 'created_at', 'plan_id', 'plan_name', 'subscription_status', 'features'] as const;
export type AttributeSource = (typeof ATTRIBUTE_SOURCES)[number];

export interface SamlSettings {
  serviceId: string;
  enabled: boolean;
  entityId: string;
  acsUrl: string;
  sloUrl: string | null;
  nameIdFormat: string;
  attributeMapping: [AttributeSource, string][];
  signAssertions: boolean;
  signResponse: boolean;
  spCertificate: string | null;
  wantAuthnRequestsSigned: boolean;
  allowIdpInitiated: boolean;
  /** Every Response of this service needs a sign-in with a second factor. */
  requireMfa: boolean;
}

export function settingsFrom(row: SamlConfig): SamlSettings {
  const mapping = JSON.parse(row.attributeMapping) as Record<string, string>;
  return {
    serviceId: row.serviceId,
    enabled: row.enabled,
    entityId: row.entityId ?? '',
    acsUrl: row.acsUrl ?? '',
    sloUrl: row.sloUrl,
    nameIdFormat: row.nameIdFormat,
    attributeMapping: Object.entries(mapping).filter((e): e is [AttributeSource, string] => (ATTRIBUTE_SOURCES as readonly string[]).includes(e[0])),
    signAssertions: row.signAssertions,
    signResponse: row.signResponse,
    spCertificate: row.spCertificate,
    wantAuthnRequestsSigned: row.wantAuthnRequestsSigned,
    allowIdpInitiated: row.allowIdpInitiated,
    requireMfa: row.requireMfa,
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

/** An SP certificate must be an RSA key of at least 2048 bits with e = 65537. Returns the normalised PEM. */
export function checkSpCertificate(pem: string): { ok: true; pem: string } | { ok: false; reason: string } {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return { ok: false, reason: 'sp_certificate is not a PEM X.509 certificate' };
  }
  const details = cert.publicKey.asymmetricKeyDetails;
  if (cert.publicKey.asymmetricKeyType !== 'rsa' || !details) return { ok: false, reason: 'sp_certificate must hold an RSA public key' };
  if ((details.modulusLength ?? 0) < 2048) return { ok: false, reason: 'sp_certificate key must be at least 2048 bits' };
  if (details.publicExponent !== 65537n) return { ok: false, reason: 'sp_certificate key exponent must be 65537' };
  return { ok: true, pem: cert.toString() };
}

export function endpointUrl(allowHttp: boolean) {
  return z
    .string()
    .max(2048)
    .refine((v) => {
      try {
        const u = new URL(v);
        if (u.hash || u.username || u.password) return false;
        if (u.protocol === 'https:') return true;
        return u.protocol === 'http:' && (allowHttp || ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname));
      } catch {
        return false;
      }
    }, 'Must be an absolute https URL (http only for localhost)');
}
