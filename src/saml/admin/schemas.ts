// What the SAML configuration routes accept (docs/api.md, SAML configuration).
import { z } from 'zod';
import { ATTRIBUTE_SOURCES, MAX_ACS_ENDPOINTS, NAME_ID_FORMAT_VALUES, endpointUrl, isAttributeSource, isNameIdSource } from '../settings.ts';
import { MAX_SP_METADATA_BYTES } from '../sp-metadata.ts';
import { ENCRYPTION_ALGORITHM_NAMES } from '../xml/encrypt.ts';
import { ASSERTION_TEXT_MESSAGE, isAssertionText } from '../../http/validate.ts';

const AttributeName = z
  .string()
  .trim()
  .min(1, 'Attribute name must not be empty')
  .max(256)
  .refine(isAssertionText, `An attribute name ${ASSERTION_TEXT_MESSAGE}`);
const AttributeMapping = z.record(z.string(), AttributeName).superRefine((m, ctx) => {
  if (Object.keys(m).length > 50) ctx.addIssue({ code: 'custom', message: 'At most 50 attribute mappings' });
  for (const source of Object.keys(m)) {
    if (!isAttributeSource(source))
      ctx.addIssue({ code: 'custom', path: [source], message: `Unknown attribute source; allowed: ${ATTRIBUTE_SOURCES.join(', ')}, attributes.<name>` });
  }
});

const HTTP_POST_URN = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

/** acs_urls: 1..32 HTTP-POST endpoints, unique indexes, at most one default (none: the first is). */
function acsEndpoints(url: ReturnType<typeof endpointUrl>) {
  const endpoint = z.strictObject({
    url,
    binding: z.enum(['HTTP-POST', HTTP_POST_URN], { error: 'Only the HTTP-POST binding is supported for responses' }).optional(),
    index: z.number().int().min(0).max(32767),
    is_default: z.boolean().optional(),
  });
  return z
    .array(endpoint)
    .min(1, 'acs_urls needs at least one endpoint')
    .max(MAX_ACS_ENDPOINTS, `At most ${MAX_ACS_ENDPOINTS} ACS endpoints`)
    .superRefine((list, ctx) => {
      const seen = new Set<number>();
      list.forEach((e, i) => {
        if (seen.has(e.index)) ctx.addIssue({ code: 'custom', path: [i, 'index'], message: `index ${e.index} is used twice` });
        seen.add(e.index);
      });
      if (list.filter((e) => e.is_default).length > 1) ctx.addIssue({ code: 'custom', message: 'At most one endpoint may have is_default: true' });
    })
    .transform((list) => {
      const chosen = Math.max(
        0,
        list.findIndex((e) => e.is_default),
      );
      return list.map((e, i) => ({ url: e.url, binding: 'HTTP-POST' as const, index: e.index, is_default: i === chosen }));
    });
}

/** The configuration payload; `allowHttp` admits http:// endpoint URLs (development). */
export function payloadSchema(allowHttp: boolean) {
  const url = endpointUrl(allowHttp);
  return z
    .strictObject({
      enabled: z.boolean(),
      entity_id: z.string().trim().min(1).max(1024).refine(isAssertionText, `entity_id ${ASSERTION_TEXT_MESSAGE}`).optional(),
      acs_url: url.optional(),
      acs_urls: acsEndpoints(url).optional(),
      slo_url: url.nullable().optional(),
      name_id_format: z.enum(NAME_ID_FORMAT_VALUES).optional(),
      name_id_source: z.string().refine(isNameIdSource, 'name_id_source must be email, id or attributes.<name>').nullable().optional(),
      attribute_mapping: AttributeMapping.optional(),
      sign_assertions: z
        .boolean()
        .optional()
        .describe('Sign the Assertion (default true). With encrypt_assertions the Assertion is signed before encryption whatever this says'),
      sign_response: z.boolean().optional(),
      sp_certificate: z.string().max(20_000).nullable().optional(),
      want_authn_requests_signed: z.boolean().optional(),
      allow_idp_initiated: z.boolean().optional(),
      require_mfa: z.boolean().optional(),
      encrypt_assertions: z
        .boolean()
        .optional()
        .describe('Encrypt the Assertion to sp_encryption_certificate (default false); it is always signed first, then encrypted'),
      sp_encryption_certificate: z.string().max(20_000).nullable().optional(),
      encryption_algorithm: z.enum(ENCRYPTION_ALGORITHM_NAMES).optional(),
      sp_metadata_url: z.string().max(2048).nullable().optional(),
      sp_metadata_signing_certificate: z.string().max(20_000).nullable().optional(),
      metadata_refresh_hours: z.number().int().min(1).max(720).optional(),
      // Read (and removed) by applySpMetadata before this schema runs; listed so the payload documents it.
      sp_metadata_xml: z.string().max(MAX_SP_METADATA_BYTES).optional(),
    })
    .superRefine((p, ctx) => {
      if (p.enabled && !p.entity_id) ctx.addIssue({ code: 'custom', path: ['entity_id'], message: 'entity_id is required when enabled' });
      if (p.enabled && !p.acs_url && !p.acs_urls) ctx.addIssue({ code: 'custom', path: ['acs_url'], message: 'acs_url or acs_urls is required when enabled' });
      const byDefault = p.acs_urls?.find((e) => e.is_default);
      if (p.acs_url && byDefault && p.acs_url !== byDefault.url)
        ctx.addIssue({ code: 'custom', path: ['acs_url'], message: 'acs_url, when sent with acs_urls, must be the default endpoint' });
    });
}
export type SamlPayload = z.output<ReturnType<typeof payloadSchema>>;

/** POST …/saml/certificate: `activate:false` stages a pending certificate. */
export const CreateCertificate = z.strictObject({ activate: z.boolean().optional() });
export type CreateCertificateInput = z.output<typeof CreateCertificate>;
