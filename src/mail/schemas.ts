// The optional body of the admin routes that can mail what they create (password links, invitations).
import { z } from 'zod';
import { LOCALES } from '../i18n/index.ts';

/** `send_email: true` mails the link; `locale` picks the email's language (English by default). */
export const SendEmailFields = {
  send_email: z.boolean().optional(),
  locale: z.enum(LOCALES).optional(),
};
export const SendEmail = z.strictObject(SendEmailFields);
export type SendEmailInput = z.output<typeof SendEmail>;
