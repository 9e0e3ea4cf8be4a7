// What other folders may use of outgoing email.
export { createMailer, type Mailer, type OutgoingMail } from './transport.ts';
export { invitationMail, passwordLinkMail, resetMail } from './templates.ts';
export { SendEmail, SendEmailFields, mailUnavailable, type SendEmailInput } from './schemas.ts';
