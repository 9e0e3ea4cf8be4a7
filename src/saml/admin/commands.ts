// The reads and writes behind …/services/:service/saml. Every change is committed first, then every
// instance's SAML directory drops the service (deps.invalidation), so the next SSO anywhere reads the
// new settings and signs with the new key.
import type { Deps } from '../../deps.ts';
import type { Db } from '../../db/client.ts';
import type { SamlConfig, Service } from '../../db/models.ts';
import { badRequest, notFound } from '../../http/errors.ts';
import type { OrgAccess } from '../../authz/roles.ts';
import { NAME_ID_FORMATS, checkSpCertificate, formatTakesSource, idpUrls } from '../settings.ts';
import { generateCertificate, lockSamlConfig, storeCertificate } from '../certificates.ts';
import type { SamlRuntime } from '../runtime.ts';
import type { CreateCertificateInput, SamlPayload } from './schemas.ts';
import { presentCertificate, presentSamlConfig } from './present.ts';
import { recordAudit, type Actor } from '../../audit/index.ts';

import { enqueueEvent } from '../../webhooks/index.ts';

/** What saml.configured records: the payload's public fields; certificates only as changed or not. */
function configuredChanges(serviceId: string, body: SamlPayload, certificateCreated: boolean) {
  const {
    sp_certificate: spCertificate,
    sp_encryption_certificate: encryptionCertificate,
    sp_metadata_signing_certificate: metadataCertificate,
    sp_metadata_xml: _metadata,
    ...fields
  } = body;
  return {
    service_id: serviceId,
    ...fields,
    sp_certificate_changed: spCertificate !== undefined,
    sp_encryption_certificate_changed: encryptionCertificate !== undefined,
    sp_metadata_signing_certificate_changed: metadataCertificate !== undefined,
    certificate_created: certificateCreated,
  };
}
import type { MetadataFetch } from './metadata-step.ts';

const BOTH_UNSIGNED = 'At least one of sign_assertions and sign_response must be true';
const WANT_NEEDS_CERT = 'want_authn_requests_signed needs sp_certificate';
const ENCRYPT_NEEDS_CERT = 'encrypt_assertions needs sp_encryption_certificate';
const SOURCE_NEEDS_FORMAT = 'name_id_source applies only to the emailAddress and unspecified NameID formats';

const changed = (deps: Deps, serviceId: string) => deps.invalidation.publish({ kind: 'service', id: serviceId });
const hasActive = async (db: Db, serviceId: string) => (await db.samlCertificate.count({ where: { serviceId, status: 'active' } })) > 0;

/**
 * The payload updates the stored configuration field by field, so the cross-field rules are checked on
 * the result (payload over stored row over defaults), not on the payload alone.
 */
function checkMerged(
  existing: SamlConfig | null,
  body: SamlPayload,
  spCertificate: string | null | undefined,
  encryptionCertificate: string | null | undefined,
): void {
  const signAssertions = body.sign_assertions ?? existing?.signAssertions ?? true;
  const signResponse = body.sign_response ?? existing?.signResponse ?? true;
  if (!signAssertions && !signResponse) throw badRequest(BOTH_UNSIGNED, [{ field: 'sign_assertions', message: BOTH_UNSIGNED }]);
  const want = body.want_authn_requests_signed ?? existing?.wantAuthnRequestsSigned ?? false;
  const cert = spCertificate !== undefined ? spCertificate : (existing?.spCertificate ?? null);
  if (want && !cert) throw badRequest(WANT_NEEDS_CERT, [{ field: 'want_authn_requests_signed', message: WANT_NEEDS_CERT }]);
  const encrypt = body.encrypt_assertions ?? existing?.encryptAssertions ?? false;
  const encryptionCert = encryptionCertificate !== undefined ? encryptionCertificate : (existing?.spEncryptionCertificate ?? null);
  if (encrypt && !encryptionCert) throw badRequest(ENCRYPT_NEEDS_CERT, [{ field: 'encrypt_assertions', message: ENCRYPT_NEEDS_CERT }]);
  const source = body.name_id_source !== undefined ? body.name_id_source : (existing?.nameIdSource ?? null);
  const format = body.name_id_format ?? existing?.nameIdFormat ?? NAME_ID_FORMATS.email;
  if (source && !formatTakesSource(format)) throw badRequest(SOURCE_NEEDS_FORMAT, [{ field: 'name_id_source', message: SOURCE_NEEDS_FORMAT }]);
}

/** An SP certificate to store (normalised PEM), after the key-strength checks; null and undefined pass through. */
function checkedCertificate(
  pem: string | null | undefined,
  field: 'sp_certificate' | 'sp_encryption_certificate' | 'sp_metadata_signing_certificate',
): string | null | undefined {
  if (typeof pem !== 'string') return pem;
  const checked = checkSpCertificate(pem, field);
  if (!checked.ok) throw badRequest(checked.reason, [{ field, message: checked.reason }]);
  return checked.pem;
}

/**
 * acs_urls sets every endpoint (acs_url then holds the default's URL, for readers of that column); acs_url
 * alone means one default endpoint, so it clears a stored list.
 */
function acsColumns(body: SamlPayload) {
  if (body.acs_urls) {
    const byDefault = body.acs_urls.find((e) => e.is_default) ?? body.acs_urls[0];
    return { acsUrl: byDefault?.url ?? null, acsUrls: JSON.stringify(body.acs_urls) };
  }
  return body.acs_url !== undefined ? { acsUrl: body.acs_url, acsUrls: '[]' } : {};
}

/** The columns the payload sets; a field it leaves out keeps its stored value. */
function columns(body: SamlPayload, spCertificate: string | null | undefined, encryptionCertificate: string | null | undefined) {
  return {
    enabled: body.enabled,
    ...(body.entity_id !== undefined ? { entityId: body.entity_id } : {}),
    ...acsColumns(body),
    ...(body.slo_url !== undefined ? { sloUrl: body.slo_url } : {}),
    ...(body.name_id_format !== undefined ? { nameIdFormat: body.name_id_format } : {}),
    ...(body.name_id_source !== undefined ? { nameIdSource: body.name_id_source } : {}),
    ...(body.attribute_mapping !== undefined ? { attributeMapping: JSON.stringify(body.attribute_mapping) } : {}),
    ...(body.sign_assertions !== undefined ? { signAssertions: body.sign_assertions } : {}),
    ...(body.sign_response !== undefined ? { signResponse: body.sign_response } : {}),
    ...(spCertificate !== undefined ? { spCertificate } : {}),
    ...(body.want_authn_requests_signed !== undefined ? { wantAuthnRequestsSigned: body.want_authn_requests_signed } : {}),
    ...(body.allow_idp_initiated !== undefined ? { allowIdpInitiated: body.allow_idp_initiated } : {}),
    ...(body.require_mfa !== undefined ? { requireMfa: body.require_mfa } : {}),
    ...(body.encrypt_assertions !== undefined ? { encryptAssertions: body.encrypt_assertions } : {}),
    ...(encryptionCertificate !== undefined ? { spEncryptionCertificate: encryptionCertificate } : {}),
    ...(body.encryption_algorithm !== undefined ? { encryptionAlgorithm: body.encryption_algorithm } : {}),
  };
}

/**
 * The metadata-URL columns: a new URL was just fetched (fetched set); null clears it; absent keeps it.
 * Kept with a new interval or pin (`stored` holds a URL): due at once, so the next round (within a
 * minute) fetches under the new rules and schedules by the new interval, instead of the old date
 * standing until it comes.
 */
function metadataUrlColumns(body: SamlPayload, pin: string | null | undefined, fetched: MetadataFetch['fetchedMetadata'], stored: SamlConfig | null) {
  const common = {
    ...(pin !== undefined ? { spMetadataSigningCertificate: pin } : {}),
    ...(body.metadata_refresh_hours !== undefined ? { metadataRefreshHours: body.metadata_refresh_hours } : {}),
  };
  if (body.sp_metadata_url === null) return { ...common, spMetadataUrl: null, metadataFetchedAt: null, metadataNextRefreshAt: null, metadataLastError: null };
  if (typeof body.sp_metadata_url === 'string' && fetched)
    return {
      ...common,
      spMetadataUrl: body.sp_metadata_url,
      metadataFetchedAt: new Date(),
      metadataNextRefreshAt: fetched.nextRefreshAt,
      metadataLastError: null,
    };
  const rulesChanged =
    (body.metadata_refresh_hours !== undefined && body.metadata_refresh_hours !== stored?.metadataRefreshHours) ||
    (pin !== undefined && pin !== stored?.spMetadataSigningCertificate);
  if (stored?.spMetadataUrl && body.sp_metadata_url === undefined && rulesChanged) return { ...common, metadataNextRefreshAt: new Date() };
  return common;
}

/**
 * Stores the configuration; enabling a service without an active certificate also gives it one, which
 * is a new signing key for its SPs: saml.certificate.rotated, as when an admin creates one.
 */
export async function configureSaml(
  deps: Deps,
  actor: Actor,
  saml: SamlRuntime,
  access: OrgAccess,
  service: Service,
  body: SamlPayload,
  fetched: MetadataFetch['fetchedMetadata'] = null,
): Promise<void> {
  const { db } = deps;
  const spCertificate = checkedCertificate(body.sp_certificate, 'sp_certificate');
  const encryptionCertificate = checkedCertificate(body.sp_encryption_certificate, 'sp_encryption_certificate');
  // Checked whether or not a URL comes with it: a certificate stored now pins the next refresh.
  const pin = checkedCertificate(body.sp_metadata_signing_certificate, 'sp_metadata_signing_certificate');
  const stored = await db.samlConfig.findUnique({ where: { serviceId: service.id } });
  checkMerged(stored, body, spCertificate, encryptionCertificate);
  // Key generation is CPU work: do it before the transaction, use it only if still needed inside.
  const needsCert = body.enabled && !(await hasActive(db, service.id));
  const fresh = needsCert ? await generateCertificate(saml.sealer, { organization: access.org.name, service: service.name }) : null;
  const data = { ...columns(body, spCertificate, encryptionCertificate), ...metadataUrlColumns(body, pin, fetched, stored) };
  await db.$transaction(async (tx) => {
    await tx.samlConfig.upsert({
      where: { serviceId: service.id },
      create: { serviceId: service.id, nameIdFormat: NAME_ID_FORMATS.email, ...data },
      update: data,
    });
    const storeFresh = fresh !== null && (await tx.samlCertificate.count({ where: { serviceId: service.id, status: 'active' } })) === 0;
    const created = storeFresh ? await storeCertificate(tx, service.id, fresh, 'active') : null;
    await recordAudit(tx, actor, 'saml.configured', service.organizationId, service.id, configuredChanges(service.id, body, storeFresh));
    await enqueueEvent(tx, { organizationId: service.organizationId, type: 'saml.configured', data: { service_id: service.id, enabled: body.enabled } });
    if (created) {
      const rotated = { service_id: service.id, certificate_id: created.id, status: created.status };
      await enqueueEvent(tx, { organizationId: service.organizationId, type: 'saml.certificate.rotated', data: rotated });
    }
  });
  await changed(deps, service.id);
}

/** What GET shows: the configuration, with the IdP's URLs for the organization and service. */
export async function samlSettings(deps: Deps, orgSlug: string, service: Service) {
  const row = await deps.db.samlConfig.findUnique({ where: { serviceId: service.id } });
  return presentSamlConfig(row, idpUrls(deps.config.publicUrl, orgSlug, service.slug), await hasActive(deps.db, service.id));
}

/** Disables SAML and deactivates every certificate, in one transaction. */
export async function disableSaml(deps: Deps, actor: Actor, service: Service): Promise<void> {
  const serviceId = service.id;
  await deps.db.$transaction(async (tx) => {
    const cfg = await tx.samlConfig.updateManyAndReturn({
      where: { serviceId },
      data: { enabled: false },
      select: { service: { select: { organizationId: true } } },
    });
    for (const c of cfg)
      await enqueueEvent(tx, { organizationId: c.service.organizationId, type: 'saml.configured', data: { service_id: serviceId, enabled: false } });
    await tx.samlCertificate.updateMany({ where: { serviceId, status: { in: ['active', 'pending'] } }, data: { status: 'inactive' } });
    await recordAudit(tx, actor, 'saml.disabled', service.organizationId, serviceId, { service_id: serviceId });
  });
  await changed(deps, serviceId);
}

/** A new signing certificate: active at once, or pending with `activate: false`. SAML must be enabled. */
export async function createCertificate(deps: Deps, actor: Actor, saml: SamlRuntime, access: OrgAccess, service: Service, input: CreateCertificateInput) {
  const cfg = await deps.db.samlConfig.findUnique({ where: { serviceId: service.id } });
  if (!cfg?.enabled) throw badRequest('SAML is not enabled for this service');
  const fresh = await generateCertificate(saml.sealer, { organization: access.org.name, service: service.name });
  const row = await deps.db.$transaction(async (tx) => {
    if (!(await lockSamlConfig(tx, service.id, true))) throw badRequest('SAML is not enabled for this service');
    const cert = await storeCertificate(tx, service.id, fresh, input.activate === false ? 'pending' : 'active');
    await recordAudit(tx, actor, 'saml.certificate.created', service.organizationId, cert.id, { service_id: service.id, ...presentCertificate(cert) });
    await enqueueEvent(tx, {
      organizationId: service.organizationId,
      type: 'saml.certificate.rotated',
      data: { service_id: service.id, certificate_id: cert.id, status: cert.status },
    });
    return cert;
  });
  await changed(deps, service.id);
  return row;
}

export async function activeCertificate(db: Db, serviceId: string) {
  const cert = await db.samlCertificate.findFirst({ where: { serviceId, status: 'active' }, orderBy: { createdAt: 'desc' } });
  if (!cert) throw notFound('No active certificate');
  return cert;
}

export function listCertificates(db: Db, serviceId: string) {
  return db.samlCertificate.findMany({ where: { serviceId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

/**
 * Makes the certificate the service's only signing one; every other active or pending one goes inactive.
 * SAML must be enabled, as for creating one: disabling retired every certificate, and enabling again
 * gives a fresh one rather than bring a retired key back.
 */
export async function activateCertificate(deps: Deps, actor: Actor, service: Service, certificateId: string) {
  const serviceId = service.id;
  const updated = await deps.db.$transaction(async (tx) => {
    if (!(await lockSamlConfig(tx, serviceId, true))) throw badRequest('SAML is not enabled for this service');
    await tx.samlCertificate.updateMany({
      where: { serviceId, status: { in: ['active', 'pending'] }, id: { not: certificateId } },
      data: { status: 'inactive' },
    });
    const cert = await tx.samlCertificate.update({ where: { id: certificateId }, data: { status: 'active' } });
    await recordAudit(tx, actor, 'saml.certificate.activated', service.organizationId, cert.id, { service_id: serviceId, ...presentCertificate(cert) });
    await enqueueEvent(tx, {
      organizationId: service.organizationId,
      type: 'saml.certificate.rotated',
      data: { service_id: serviceId, certificate_id: cert.id, status: 'active' },
    });
    return cert;
  });
  await changed(deps, serviceId);
  return updated;
}
