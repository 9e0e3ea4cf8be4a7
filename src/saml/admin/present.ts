import type { SamlConfig } from '../../db/models.ts';
import { iso, parseStringRecord } from '../../http/present.ts';
import { NAME_ID_FORMATS, acsEndpointsFrom, type IdpUrls } from '../settings.ts';

/** The service's SAML configuration (defaults when it was never configured) and the IdP's URLs for it. */
export function presentSamlConfig(row: SamlConfig | null, urls: IdpUrls, hasCertificate: boolean) {
  return {
    enabled: row?.enabled ?? false,
    entity_id: row?.entityId ?? null,
    acs_url: row?.acsUrl ?? null,
    acs_urls: row ? acsEndpointsFrom(row).map((e) => ({ url: e.url, binding: 'HTTP-POST', index: e.index, is_default: e.isDefault })) : [],
    slo_url: row?.sloUrl ?? null,
    name_id_format: row?.nameIdFormat ?? NAME_ID_FORMATS.email,
    name_id_source: row?.nameIdSource ?? null,
    attribute_mapping: row ? parseStringRecord(row.attributeMapping) : {},
    sign_assertions: row?.signAssertions ?? true,
    sign_response: row?.signResponse ?? true,
    sp_certificate: row?.spCertificate ?? null,
    want_authn_requests_signed: row?.wantAuthnRequestsSigned ?? false,
    allow_idp_initiated: row?.allowIdpInitiated ?? true,
    require_mfa: row?.requireMfa ?? false,
    encrypt_assertions: row?.encryptAssertions ?? false,
    sp_encryption_certificate: row?.spEncryptionCertificate ?? null,
    encryption_algorithm: row?.encryptionAlgorithm ?? 'aes256-gcm',
    sp_metadata_url: row?.spMetadataUrl ?? null,
    sp_metadata_signing_certificate: row?.spMetadataSigningCertificate ?? null,
    metadata_refresh_hours: row?.metadataRefreshHours ?? 24,
    metadata_fetched_at: row?.metadataFetchedAt ? iso(row.metadataFetchedAt) : null,
    metadata_next_refresh_at: row?.metadataNextRefreshAt ? iso(row.metadataNextRefreshAt) : null,
    metadata_last_error: row?.metadataLastError ?? null,
    has_certificate: hasCertificate,
    idp_entity_id: urls.entityId,
    metadata_url: urls.metadata,
    sso_url: urls.sso,
    slo_url_idp: urls.slo,
  };
}

export { presentCertificate } from '../certificates.ts';
