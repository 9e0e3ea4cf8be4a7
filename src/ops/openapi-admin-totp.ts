// The catalog's entries for the TOTP of admin accounts (docs/api.md, "Admin accounts: TOTP"), kept
// beside openapi-catalog.ts, whose Admin accounts group spreads them in.
import { z } from 'zod';
import { ConfirmTotpBody, DisableTotpBody, LoginBody, LoginTotpBody, StartTotpBody } from '../auth/index.ts';
import { json, noContent, type OperationDoc } from './openapi-doc.ts';
import { COOKIE_MODE } from './openapi-console.ts';
import * as S from './openapi-schemas.ts';

export const MfaRequired = S.ErrorBody.extend({
  mfa_required: z.literal(true).optional().describe('Present when the password was right and the account has TOTP'),
  mfa_methods: z.array(z.literal('totp')).optional(),
  mfa_token: z.string().optional().describe('Single use, for POST /api/auth/login/totp'),
  mfa_token_expires_in: z.number().int().optional().describe('Seconds the mfa_token stays valid (300)'),
}).meta({ id: 'MfaRequired' });

const Enrollment = z
  .object({
    secret: z.string().describe('Base32 secret for manual entry'),
    otpauth_uri: z.string().describe('otpauth://totp/… URI (for a QR code or an app link)'),
    algorithm: z.literal('SHA1'),
    digits: z.literal(6),
    period: z.literal(30),
  })
  .meta({ id: 'TotpEnrollment' });

export const LOGIN_DOC: OperationDoc = {
  summary: 'Sign in',
  description: `${COOKIE_MODE} An account with TOTP enabled answers 401 with mfa_required: true and an mfa_token instead of tokens; send the code with it to POST /api/auth/login/totp.`,
  body: LoginBody,
  ok: json(200, 'A token pair (accounts without TOTP)', S.TokenPair),
  also: [json(401, 'Invalid email or password; or, with mfa_required: true, the password was right and a TOTP code is due', MfaRequired)],
  errors: [403, 429],
};

export const ADMIN_TOTP_ROUTES: Record<string, OperationDoc> = {
  'POST /api/auth/login/totp': {
    summary: 'Second step of a sign-in with TOTP: the code and the mfa_token give the token pair',
    description: `${COOKIE_MODE} The mfa_token is spent by the right code (single use, 5 minutes); a wrong code leaves it usable. Each code is accepted once. 10 wrong codes within 15 minutes lock the step for 15 minutes (429).`,
    body: LoginTotpBody,
    ok: json(200, 'A token pair', S.TokenPair),
    errors: [401, 403, 429],
  },
  'POST /api/auth/mfa/totp': {
    summary: 'Start a TOTP enrollment (current password required): a new secret, not active until confirmed',
    description: 'Calling it again replaces an unconfirmed secret. 409 while TOTP is enabled.',
    security: 'bearer',
    body: StartTotpBody,
    ok: json(200, 'The secret and its otpauth URI', Enrollment),
    errors: [409, 429],
  },
  'POST /api/auth/mfa/totp/confirm': {
    summary: 'Activate the enrollment with a first code; from then on sign-in needs a code',
    security: 'bearer',
    body: ConfirmTotpBody,
    ok: json(200, 'TOTP is on', z.object({ mfa: z.object({ totp: z.literal(true) }), enabled_at: z.string().describe('RFC 3339 in UTC with Z') })),
    errors: [409],
  },
  'DELETE /api/auth/mfa/totp': {
    summary: 'Turn TOTP off (current password and a current code required)',
    description: 'A wrong code counts toward the lockout (429 when locked).',
    security: 'bearer',
    body: DisableTotpBody,
    ok: noContent('TOTP is off; sign-in needs the password only'),
    errors: [409, 429],
  },
};
