// What the organization, member and invitation routes accept (docs/api.md, Organizations). The
// OpenAPI document describes these same schemas (ops/openapi-catalog.ts).
import { z } from 'zod';
import { Email, Name, Slug } from '../http/validate.ts';
import { ROLES } from '../authz/roles.ts';
import { SendEmailFields } from '../mail/index.ts';

/** Slugs an organization may not take (the CLI refuses them too). */
export const RESERVED_ORG_SLUGS = new Set(['api', 'admin', 'saml', 'login', 'static', 'assets', 'health', 'metrics', 'docs', 'www']);

export const CreateOrg = z.strictObject({ slug: Slug.refine((s) => !RESERVED_ORG_SLUGS.has(s), 'This slug is reserved'), name: Name });
// Branding of the hosted pages (CONTRACT §11): null clears a field; the browser loads the logo, so https only.
const HttpsUrl = (field: string) =>
  z
    .url({ protocol: /^https$/, error: `${field} must be an https:// URL` })
    .max(2048, `${field} must be at most 2048 characters`)
    // zod runs this refinement even when the URL check above failed: a string no URL can be made of
    // is that check's error to report, not a TypeError here (a 500).
    .refine((u) => {
      const url = URL.parse(u);
      return !url || (!url.username && !url.password);
    }, `${field} must not carry credentials`);
export const Branding = {
  display_name: Name.nullable().optional(),
  logo_url: HttpsUrl('logo_url').nullable().optional(),
  primary_color: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'primary_color must be a colour as #rrggbb')
    .transform((c) => c.toLowerCase())
    .nullable()
    .optional(),
  support_url: HttpsUrl('support_url').nullable().optional(),
};
/** Whether hosted sign-in asks for a second factor (CONTRACT §11; docs/security.md, Policy). */
export const MFA_POLICIES = ['off', 'optional', 'required'] as const;
export const UpdateOrg = z.strictObject({ name: Name.optional(), ...Branding, mfa_policy: z.enum(MFA_POLICIES).optional() });
export const UpdateMember = z.strictObject({ role: z.enum(ROLES) });
export const CreateInvitation = z.strictObject({ email: Email, role: z.enum(ROLES), ...SendEmailFields });
export const AcceptInvitation = z.strictObject({ token: z.string().min(1).max(256) });

export type CreateOrgInput = z.output<typeof CreateOrg>;
export type UpdateOrgInput = z.output<typeof UpdateOrg>;
export type CreateInvitationInput = z.output<typeof CreateInvitation>;
