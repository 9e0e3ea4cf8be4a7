// What the user directory routes accept (docs/api.md, Organization user directory).
import { z } from 'zod';
import { ASSERTION_TEXT_MESSAGE, Email, Password, isAssertionText } from '../http/validate.ts';

// Groups and attributes travel into SAML assertions (CONTRACT §14): text XML can hold, bounded.
export const MAX_GROUPS = 50;
export const MAX_ATTRIBUTES = 50;
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

const Group = z.string().trim().min(1, 'A group must not be empty').max(256).refine(isAssertionText, `A group ${ASSERTION_TEXT_MESSAGE}`);
export const Groups = z
  .array(Group)
  .max(MAX_GROUPS, `At most ${MAX_GROUPS} groups`)
  .transform((list) => [...new Set(list)]);
export const Attributes = z
  .record(
    z.string().regex(ATTRIBUTE_NAME, 'Attribute names start with a letter and hold letters, digits, _ . - (at most 64)'),
    z.string().max(2048).refine(isAssertionText, `An attribute value ${ASSERTION_TEXT_MESSAGE}`),
  )
  .refine((m) => Object.keys(m).length <= MAX_ATTRIBUTES, `At most ${MAX_ATTRIBUTES} attributes`);

export const CreateUser = z.strictObject({ email: Email, password: Password.optional(), groups: Groups.optional(), attributes: Attributes.optional() });
export const UpdateUser = z.strictObject({
  email: Email.optional(),
  disabled: z.boolean().optional(),
  groups: Groups.optional(),
  attributes: Attributes.optional(),
});
/** The list's query string: an optional exact email beside the pagination (checked by paged). */
export const EmailFilter = z.strictObject({
  email: z
    .string()
    .min(1, 'email must not be empty')
    .max(254)
    .refine((e) => !e.includes('\u0000'), 'email must not contain NUL')
    .optional(),
  limit: z.unknown().optional(),
  offset: z.unknown().optional(),
});

export type CreateUserInput = z.output<typeof CreateUser>;
export type UpdateUserInput = z.output<typeof UpdateUser>;
