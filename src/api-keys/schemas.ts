// What the API key routes (and `tessera key create`) accept (docs/api.md, API keys).
import { z } from 'zod';
import { Name } from '../http/validate.ts';
import { PERMISSIONS } from './permissions.ts';

export const CreateApiKey = z.strictObject({
  name: Name,
  permissions: z
    .array(z.enum(PERMISSIONS, { error: `Unknown permission; allowed: ${PERMISSIONS.join(', ')}` }))
    .min(1, 'At least one permission is required')
    .max(PERMISSIONS.length),
  expires_in_days: z.number().int().min(1).max(3650).optional(),
  environment: z.enum(['live', 'test']).optional(),
});
export type CreateApiKeyInput = z.output<typeof CreateApiKey>;
