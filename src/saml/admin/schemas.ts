// What the SAML configuration routes accept (docs/api.md, SAML configuration).
import { z } from 'zod';
import { ATTRIBUTE_SOURCES, NAME_ID_FORMAT_VALUES, endpointUrl } from '../settings.ts';
import { MAX_SP_METADATA_BYTES } from '../sp-metadata.ts';

const SOURCES: ReadonlySet<string> = new Set(ATTRIBUTE_SOURCES);

const AttributeMapping = z.record(z.string(), z.string().trim().min(1, 'Attribute name must not be empty').max(256)).superRefine((m, ctx) => {
  if (Object.keys(m).length > 50) ctx.addIssue({ code: 'custom', message: 'At most 50 attribute mappings' });
  for (const source of Object.keys(m)) {
    if (!SOURCES.has(source)) ctx.addIssue({ code: 'custom', path: [source], message: `Unknown attribute source; allowed: ${ATTRIBUTE_SOURCES.join(', ')}` });
  }
});

/** The configuration payload; `allowHttp` admits http:// endpoint URLs (development). */
export function payloadSchema(allowHttp: boolean) {
  const url = endpointUrl(allowHttp);
  return z
    .strictObject({
      enabled: z.boolean(),
      entity_id: z.string().trim().min(1).max(1024).optional(),
      acs_url: url.optional(),
      slo_url: url.nullable().optional(),
      name_id_format: z.enum(NAME_ID_FORMAT_VALUES).optional(),
      attribute_mapping: AttributeMapping.optional(),
      sign_assertions: z.boolean().optional(),
      sign_response: z.boolean().optional(),
      sp_certificate: z.string().max(20_000).nullable().optional(),
      want_authn_requests_signed: z.boolean().optional(),
      allow_idp_initiated: z.boolean().optional(),
      require_mfa: z.boolean().optional(),
      // Read (and removed) by applySpMetadata before this schema runs; listed so the payload documents it.
      sp_metadata_xml: z.string().max(MAX_SP_METADATA_BYTES).optional(),
    })
    .superRefine((p, ctx) => {
      if (p.enabled && !p.entity_id) ctx.addIssue({ code: 'custom', path: ['entity_id'], message: 'entity_id is required when enabled' });
      if (p.enabled && !p.acs_url) ctx.addIssue({ code: 'custom', path: ['acs_url'], message: 'acs_url is required when enabled' });
    });
}
export type SamlPayload = z.output<ReturnType<typeof payloadSchema>>;

/** POST …/saml/certificate: `activate:false` stages a pending certificate. */
export const CreateCertificate = z.strictObject({ activate: z.boolean().optional() });
export type CreateCertificateInput = z.output<typeof CreateCertificate>;
