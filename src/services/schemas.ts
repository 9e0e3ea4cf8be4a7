// What the service routes accept (docs/api.md, Services).
import { z } from 'zod';
import { Name, Slug } from '../http/validate.ts';

export const SERVICE_TYPES = ['web', 'mobile', 'desktop', 'cli', 'api'] as const;

/** Schemes a browser would run or read locally instead of navigating to an application. */
const REFUSED_SCHEMES = new Set(['javascript:', 'vbscript:', 'data:', 'file:', 'blob:']);
const RedirectUri = z
  .string()
  .max(2048)
  .refine((v) => {
    try {
      const u = new URL(v);
      return !REFUSED_SCHEMES.has(u.protocol) && !u.hash;
    } catch {
      return false;
    }
  }, 'Redirect URIs must be absolute URLs without a fragment');
const Scopes = z.array(z.string().min(1).max(200)).max(100);
const Editable = {
  name: Name,
  redirect_uris: z.array(RedirectUri).max(50),
  github_scopes: Scopes,
  google_scopes: Scopes,
  microsoft_scopes: Scopes,
};
export const CreateService = z.strictObject({
  slug: Slug,
  name: Editable.name,
  service_type: z.enum(SERVICE_TYPES),
  redirect_uris: Editable.redirect_uris.optional(),
  github_scopes: Scopes.optional(),
  google_scopes: Scopes.optional(),
  microsoft_scopes: Scopes.optional(),
});
export const UpdateService = z.strictObject({
  name: Editable.name.optional(),
  redirect_uris: Editable.redirect_uris.optional(),
  github_scopes: Scopes.nullable().optional(),
  google_scopes: Scopes.nullable().optional(),
  microsoft_scopes: Scopes.nullable().optional(),
});

export type CreateServiceInput = z.output<typeof CreateService>;
export type UpdateServiceInput = z.output<typeof UpdateService>;
