// What the user directory routes accept (docs/api.md, Organization user directory).
import { z } from 'zod';
import { Email, Password } from '../http/validate.ts';

export const CreateUser = z.strictObject({ email: Email, password: Password.optional() });
export const UpdateUser = z.strictObject({ email: Email.optional(), disabled: z.boolean().optional() });
/** The list's query string: an optional exact email beside the pagination (checked by paged). */
export const EmailFilter = z.strictObject({
  email: z
    .string()
    .max(254)
    .refine((e) => !e.includes('\u0000'), 'email must not contain NUL')
    .optional(),
  limit: z.unknown().optional(),
  offset: z.unknown().optional(),
});

export type CreateUserInput = z.output<typeof CreateUser>;
export type UpdateUserInput = z.output<typeof UpdateUser>;
