// …/services/:service/saml and …/saml/certificate(s) (docs/api.md, SAML configuration).
import Router from '@koa/router';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { badRequest, notFound } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import { looksLikeId } from '../security/random.ts';
import { accountId } from '../auth/middleware.ts';
import { requireService } from '../services/load.ts';
import type { SamlConfig } from '../db/models.ts';
import { ATTRIBUTE_SOURCES, NAME_ID_FORMATS, type AttributeSource, NAME_ID_FORMAT_VALUES, checkSpCertificate, endpointUrl, idpUrls } from './settings.ts';
import { generateCertificate, lockSamlConfig, presentCertificate, storeCertificate } from './certificates.ts';
import type { SamlRuntime } from './runtime.ts';
import { MAX_SP_METADATA_BYTES, applySpMetadata } from './sp-metadata.ts';

export function payloadSchema(allowHttp: boolean) {
  const url = endpointUrl(allowHttp);
  return z.strictObject({
    enabled: z.boolean(),
    entity_id: z.string().trim().min(1).max(1024).optional(),
    acs_url: url.optional(),
    slo_url: url.nullable().optional(),
    name_id_format: z.enum(NAME_ID_FORMAT_VALUES).optional(),
    attribute_mapping: z.record(z.string(), z.string().trim().min(1, 'Attribute name must not be empty').max(256))
      .superRefine((m, ctx) => {
        if (Object.keys(m).length > 50) ctx.addIssue({ code: 'custom', message: 'At most 50 attribute mappings' });
        for (const source of Object.keys(m)) {
          if (!(ATTRIBUTE_SOURCES as readonly string[]).includes(source)) ctx.addIssue({ code: 'custom', path: [source], message: `Unknown attribute source; allowed: ${ATTRIBUTE_SOURCES.join(', ')}` });
        }
      })
      .transform((m) => m as Partial<Record<AttributeSource, string>>)
      .optional(),
    sign_assertions: z.boolean().optional(),
    sign_response: z.boolean().optional(),
    sp_certificate: z.string().max(20_000).nullable().optional(),
    want_authn_requests_signed: z.boolean().optional(),
    allow_idp_initiated: z.boolean().optional(),
    // Read (and removed) by applySpMetadata before this schema runs; listed so the payload documents it.
    sp_metadata_xml: z.string().max(MAX_SP_METADATA_BYTES).optional(),
  }).superRefine((p, ctx) => {
    if (p.enabled && !p.entity_id) ctx.addIssue({ code: 'custom', path: ['entity_id'], message: 'entity_id is required when enabled' });
    if (p.enabled && !p.acs_url) ctx.addIssue({ code: 'custom', path: ['acs_url'], message: 'acs_url is required when enabled' });
  });
}

const BOTH_UNSIGNED = 'At least one of sign_assertions and sign_response must be true';
const WANT_NEEDS_CERT = 'want_authn_requests_signed needs sp_certificate';

/**
 * The payload updates the stored configuration field by field, so the cross-field rules are checked on
 * the result (payload over stored row over defaults), not on the payload alone.
 */
function checkMerged(existing: SamlConfig | null, body: { sign_assertions?: boolean | undefined; sign_response?: boolean | undefined; want_authn_requests_signed?: boolean | undefined }, spCertificate: string | null | undefined): void {
  const signAssertions = body.sign_assertions ?? existing?.signAssertions ?? true;
  const signResponse = body.sign_response ?? existing?.signResponse ?? true;
  if (!signAssertions && !signResponse) throw badRequest(BOTH_UNSIGNED, [{ field: 'sign_assertions', message: BOTH_UNSIGNED }]);
  const want = body.want_authn_requests_signed ?? existing?.wantAuthnRequestsSigned ?? false;
  const cert = spCertificate !== undefined ? spCertificate : existing?.spCertificate ?? null;
  if (want && !cert) throw badRequest(WANT_NEEDS_CERT, [{ field: 'want_authn_requests_signed', message: WANT_NEEDS_CERT }]);
}

/** POST …/saml/certificate: `activate:false` stages a pending certificate. */
export const CreateCertificate = z.strictObject({ activate: z.boolean().optional() });

export function presentSamlConfig(row: SamlConfig | null, urls: ReturnType<typeof idpUrls>, hasCertificate: boolean) {
  return {
    enabled: row?.enabled ?? false,
    entity_id: row?.entityId ?? null,
    acs_url: row?.acsUrl ?? null,
    slo_url: row?.sloUrl ?? null,
    name_id_format: row?.nameIdFormat ?? NAME_ID_FORMATS.email,
    attribute_mapping: row ? (JSON.parse(row.attributeMapping) as Record<string, string>) : {},
    sign_assertions: row?.signAssertions ?? true,
    sign_response: row?.signResponse ?? true,
    sp_certificate: row?.spCertificate ?? null,
    want_authn_requests_signed: row?.wantAuthnRequestsSigned ?? false,
    allow_idp_initiated: row?.allowIdpInitiated ?? true,
    has_certificate: hasCertificate,
    idp_entity_id: urls.entityId,
    metadata_url: urls.metadata,
    sso_url: urls.sso,
    slo_url_idp: urls.slo,
  };
}

export function samlAdminRoutes(deps: Deps, saml: SamlRuntime): Router<AppState, AppContext> {
  const { db, config } = deps;
  const router = new Router<AppState, AppContext>({ prefix: '/api/organizations/:org/services/:service/saml' });
  const Payload = payloadSchema(config.allowHttpAcs);
  const load = (ctx: AppContext, role: 'member' | 'admin') => requireService(db, accountId(ctx), ctx.params.org ?? '', ctx.params.service ?? '', role);
  const hasActive = async (serviceId: string) => (await db.samlCertificate.count({ where: { serviceId, status: 'active' } })) > 0;
  // Every change below is committed first, then every instance's SAML directory drops the service, so
  // the next SSO anywhere reads the new settings and signs with the new key.
  const changed = (serviceId: string) => deps.invalidation.publish({ kind: 'service', id: serviceId });

  const configure = async (ctx: AppContext) => {
    const { access, service } = await load(ctx, 'admin');
    const body = validate(Payload, applySpMetadata(ctx.request.body, config.allowHttpAcs), 'Invalid SAML configuration');
    let spCertificate: string | null | undefined = body.sp_certificate;
    if (typeof spCertificate === 'string') {
      const checked = checkSpCertificate(spCertificate);
      if (!checked.ok) throw badRequest(checked.reason, [{ field: 'sp_certificate', message: checked.reason }]);
      spCertificate = checked.pem;
    }
    checkMerged(await db.samlConfig.findUnique({ where: { serviceId: service.id } }), body, spCertificate);
    // Key generation is CPU work: do it before the transaction, use it only if still needed inside.
    const needsCert = body.enabled && !(await hasActive(service.id));
    const fresh = needsCert ? generateCertificate(saml.sealer, { organization: access.org.name, service: service.name }) : null;
    const data = {
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
    };
    await db.$transaction(async (tx) => {
      await tx.samlConfig.upsert({
        where: { serviceId: service.id },
        create: { serviceId: service.id, nameIdFormat: NAME_ID_FORMATS.email, ...data },
        update: data,
      });
      if (fresh && (await tx.samlCertificate.count({ where: { serviceId: service.id, status: 'active' } })) === 0) {
        await storeCertificate(tx, service.id, fresh, 'active');
      }
    });
    await changed(service.id);
    ctx.body = { message: 'SAML configuration updated successfully' };
  };
  router.post('/', configure);
  router.put('/', configure);

  router.get('/', async (ctx) => {
    const { service } = await load(ctx, 'member');
    const row = await db.samlConfig.findUnique({ where: { serviceId: service.id } });
    ctx.body = presentSamlConfig(row, idpUrls(config.publicUrl, ctx.params.org ?? '', service.slug), await hasActive(service.id));
  });

  router.delete('/', async (ctx) => {
    const { service } = await load(ctx, 'admin');
    await db.$transaction(async (tx) => {
      await tx.samlConfig.updateMany({ where: { serviceId: service.id }, data: { enabled: false } });
      await tx.samlCertificate.updateMany({ where: { serviceId: service.id, status: { in: ['active', 'pending'] } }, data: { status: 'inactive' } });
    });
    await changed(service.id);
    ctx.body = { message: 'SAML disabled and every certificate deactivated' };
  });

  router.post('/certificate', async (ctx) => {
    const { access, service } = await load(ctx, 'admin');
    const body = validate(CreateCertificate, ctx.request.body);
    const cfg = await db.samlConfig.findUnique({ where: { serviceId: service.id } });
    if (!cfg?.enabled) throw badRequest('SAML is not enabled for this service');
    const fresh = generateCertificate(saml.sealer, { organization: access.org.name, service: service.name });
    const row = await db.$transaction(async (tx) => {
      if (!(await lockSamlConfig(tx, service.id, true))) throw badRequest('SAML is not enabled for this service');
      return storeCertificate(tx, service.id, fresh, body.activate === false ? 'pending' : 'active');
    });
    await changed(service.id);
    ctx.status = 201;
    ctx.body = presentCertificate(row);
  });

  router.get('/certificate', async (ctx) => {
    const { service } = await load(ctx, 'member');
    const cert = await db.samlCertificate.findFirst({ where: { serviceId: service.id, status: 'active' }, orderBy: { createdAt: 'desc' } });
    if (!cert) throw notFound('No active certificate');
    ctx.body = presentCertificate(cert);
  });

  router.get('/certificates', async (ctx) => {
    const { service } = await load(ctx, 'member');
    const certs = await db.samlCertificate.findMany({ where: { serviceId: service.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    ctx.body = { certificates: certs.map(presentCertificate), total: certs.length };
  });

  router.post('/certificates/:id/activate', async (ctx) => {
    const { service } = await load(ctx, 'admin');
    const id = ctx.params.id ?? '';
    const cert = looksLikeId(id, 'cert') ? await db.samlCertificate.findFirst({ where: { id, serviceId: service.id } }) : null;
    if (!cert) throw notFound('Certificate not found');
    const updated = await db.$transaction(async (tx) => {
      await lockSamlConfig(tx, service.id, false);
      await tx.samlCertificate.updateMany({ where: { serviceId: service.id, status: { in: ['active', 'pending'] }, id: { not: cert.id } }, data: { status: 'inactive' } });
      return tx.samlCertificate.update({ where: { id: cert.id }, data: { status: 'active' } });
    });
    await changed(service.id);
    ctx.body = presentCertificate(updated);
  });

  return router;
}
