// The reads and writes behind …/services/:service/saml. Every change is committed first, then every
// instance's SAML directory drops the service (deps.invalidation), so the next SSO anywhere reads the
// new settings and signs with the new key.
import type { Deps } from '../../deps.ts';
import type { Db } from '../../db/client.ts';
import type { SamlConfig, Service } from '../../db/models.ts';
import { badRequest, notFound } from '../../http/errors.ts';
import type { OrgAccess } from '../../authz/roles.ts';
import { NAME_ID_FORMATS, checkSpCertificate, idpUrls } from '../settings.ts';
import { generateCertificate, lockSamlConfig, storeCertificate } from '../certificates.ts';
import type { SamlRuntime } from '../runtime.ts';
import type { CreateCertificateInput, SamlPayload } from './schemas.ts';
import { presentCertificate, presentSamlConfig } from './present.ts';
import { recordAudit, type Actor } from '../../audit/index.ts';

/** What saml.configured records: the payload's public fields; the SP certificate only as changed or not. */
function configuredChanges(serviceId: string, body: SamlPayload, certificateCreated: boolean) {
  const { sp_certificate: spCertificate, sp_metadata_xml: _metadata, ...fields } = body;
  return { service_id: serviceId, ...fields, sp_certificate_changed: spCertificate !== undefined, certificate_created: certificateCreated };
}
import { enqueueEvent } from '../../webhooks/index.ts';

const BOTH_UNSIGNED = 'At least one of sign_assertions and sign_response must be true';
const WANT_NEEDS_CERT = 'want_authn_requests_signed needs sp_certificate';

const changed = (deps: Deps, serviceId: string) => deps.invalidation.publish({ kind: 'service', id: serviceId });
const hasActive = async (db: Db, serviceId: string) => (await db.samlCertificate.count({ where: { serviceId, status: 'active' } })) > 0;

/**
 * The payload updates the stored configuration field by field, so the cross-field rules are checked on
 * the result (payload over stored row over defaults), not on the payload alone.
 */
function checkMerged(
  existing: SamlConfig | null,
  body: { sign_assertions?: boolean | undefined; sign_response?: boolean | undefined; want_authn_requests_signed?: boolean | undefined },
  spCertificate: string | null | undefined,
): void {
  const signAssertions = body.sign_assertions ?? existing?.signAssertions ?? true;
  const signResponse = body.sign_response ?? existing?.signResponse ?? true;
  if (!signAssertions && !signResponse) throw badRequest(BOTH_UNSIGNED, [{ field: 'sign_assertions', message: BOTH_UNSIGNED }]);
  const want = body.want_authn_requests_signed ?? existing?.wantAuthnRequestsSigned ?? false;
  const cert = spCertificate !== undefined ? spCertificate : (existing?.spCertificate ?? null);
  if (want && !cert) throw badRequest(WANT_NEEDS_CERT, [{ field: 'want_authn_requests_signed', message: WANT_NEEDS_CERT }]);
}

/** The SP's certificate to store (normalised PEM), after the key-strength checks; null and undefined pass through. */
function checkedSpCertificate(spCertificate: string | null | undefined): string | null | undefined {
  if (typeof spCertificate !== 'string') return spCertificate;
  const checked = checkSpCertificate(spCertificate);
  if (!checked.ok) throw badRequest(checked.reason, [{ field: 'sp_certificate', message: checked.reason }]);
  return checked.pem;
}

/** The columns the payload sets; a field it leaves out keeps its stored value. */
function columns(body: SamlPayload, spCertificate: string | null | undefined) {
  return {
    enabled: body.enabled,
    ...(body.entity_id !== undefined ? { entityId: body.entity_id } : {}),
    ...(body.acs_url !== undefined ? { acsUrl: body.acs_url } : {}),
    ...(body.slo_url !== undefined ? { sloUrl: body.slo_url } : {}),
    ...(body.name_id_format !== undefined ? { nameIdFormat: body.name_id_format } : {}),
    ...(body.attribute_mapping !== undefined ? { attributeMapping: JSON.stringify(body.attribute_mapping) } : {}),
    ...(body.sign_assertions !== undefined ? { signAssertions: body.sign_assertions } : {}),
    ...(body.sign_response !== undefined ? { signResponse: body.sign_response } : {}),
    ...(spCertificate !== undefined ? { spCertificate } : {}),
    ...(body.want_authn_requests_signed !== undefined ? { wantAuthnRequestsSigned: body.want_authn_requests_signed } : {}),
    ...(body.allow_idp_initiated !== undefined ? { allowIdpInitiated: body.allow_idp_initiated } : {}),
    ...(body.require_mfa !== undefined ? { requireMfa: body.require_mfa } : {}),
  };
}

/** Stores the configuration; enabling a service without an active certificate also gives it one. */
export async function configureSaml(deps: Deps, actor: Actor, saml: SamlRuntime, access: OrgAccess, service: Service, body: SamlPayload): Promise<void> {
  const { db } = deps;
  const spCertificate = checkedSpCertificate(body.sp_certificate);
  checkMerged(await db.samlConfig.findUnique({ where: { serviceId: service.id } }), body, spCertificate);
  // Key generation is CPU work: do it before the transaction, use it only if still needed inside.
  const needsCert = body.enabled && !(await hasActive(db, service.id));
  const fresh = needsCert ? generateCertificate(saml.sealer, { organization: access.org.name, service: service.name }) : null;
  const data = columns(body, spCertificate);
  await db.$transaction(async (tx) => {
    await tx.samlConfig.upsert({
      where: { serviceId: service.id },
      create: { serviceId: service.id, nameIdFormat: NAME_ID_FORMATS.email, ...data },
      update: data,
    });
    const storeFresh = fresh !== null && (await tx.samlCertificate.count({ where: { serviceId: service.id, status: 'active' } })) === 0;
    if (storeFresh) await storeCertificate(tx, service.id, fresh, 'active');
    await recordAudit(tx, actor, 'saml.configured', service.organizationId, service.id, configuredChanges(service.id, body, storeFresh));
    await enqueueEvent(tx, { organizationId: service.organizationId, type: 'saml.configured', data: { service_id: service.id, enabled: body.enabled } });
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
  const fresh = generateCertificate(saml.sealer, { organization: access.org.name, service: service.name });
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

/** Makes the certificate the service's only signing one; every other active or pending one goes inactive. */
export async function activateCertificate(deps: Deps, actor: Actor, service: Service, certificateId: string) {
  const serviceId = service.id;
  const updated = await deps.db.$transaction(async (tx) => {
    await lockSamlConfig(tx, serviceId, false);
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
