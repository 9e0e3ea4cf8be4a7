// What the /api/auth routes accept (docs/api.md, Admin accounts).
import { z } from 'zod';
import { Email, Name, Password } from '../http/validate.ts';

// Browser clients (the console) ask for the refresh token in an HttpOnly cookie instead of the body (auth/cookie.ts).
const RefreshCookie = z
  .boolean()
  .optional()
  .describe(
    'true: the refresh token is set in an HttpOnly; Secure; SameSite=Strict cookie scoped to /api/auth instead of being returned; needs an Origin header equal to this server',
  );

export const RegisterBody = z.strictObject({ email: Email, password: Password, name: Name.optional(), refresh_cookie: RefreshCookie });
export const LoginBody = z.strictObject({ email: z.string().max(254), password: z.string().max(256), refresh_cookie: RefreshCookie });
export const RefreshBody = z.strictObject({
  refresh_token: z.string().min(1).max(512).optional().describe('Omit it to use the refresh cookie set by a refresh_cookie sign-in (Origin checked)'),
});

export type RegisterInput = z.output<typeof RegisterBody>;
export type LoginInput = z.output<typeof LoginBody>;

// The TOTP of admin accounts (docs/api.md, "Admin accounts: TOTP"). Codes are 6 digits; the spaces an
// authenticator app shows inside one are dropped.
const Code = z
  .string()
  .max(32)
  .transform((s) => s.replace(/\s+/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, 'code must be the 6 digits your authenticator app shows'))
  .describe('The 6-digit code of the authenticator app');
const CurrentPassword = z.string().min(1, 'Enter your current password').max(256).describe("The account's current password");

export const LoginTotpBody = z.strictObject({
  mfa_token: z.string().min(1).max(200).describe('The mfa_token of the 401 mfa_required answer of POST /api/auth/login'),
  code: Code,
  refresh_cookie: RefreshCookie,
});
export const StartTotpBody = z.strictObject({ password: CurrentPassword });
export const ConfirmTotpBody = z.strictObject({ code: Code });
export const DisableTotpBody = z.strictObject({ password: CurrentPassword, code: Code });

export type LoginTotpInput = z.output<typeof LoginTotpBody>;
