// The optional body of the admin routes that can mail what they create (password links, invitations).
import { z } from 'zod';
import { LOCALES } from '../i18n/index.ts';
import { conflict } from '../http/errors.ts';

/** `send_email: true` mails the link; `locale` picks the email's language (English by default). */
export const SendEmailFields = {
  send_email: z.boolean().optional(),
  locale: z.enum(LOCALES).optional(),
};
export const SendEmail = z.strictObject(SendEmailFields);
export type SendEmailInput = z.output<typeof SendEmail>;

const MAIL_UNAVAILABLE = 'Email delivery is not configured (SMTP_URL): send_email cannot be used';
/**
 * The 409 of `send_email: true` when this instance cannot send mail at all; its detail names
 * send_email, so a form shows it beside that control, not beside a field the request got right.
 */
export const mailUnavailable = () => conflict(MAIL_UNAVAILABLE, 'send_email');
