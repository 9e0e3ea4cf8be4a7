// The catalog's entries for the second-factor pages and /account (CONTRACT §11): hosted HTML pages,
// forms read field by field, so their bodies are documentation-only schemas.
import { z } from 'zod';
import { html, type OperationDoc, type RouteGroup } from './openapi-doc.ts';

const Step = { token: z.string().describe('The second-factor step handle'), csrf: z.string() };
const Account = { csrf: z.string(), org: z.string().describe('Organization slug') };
const Reauth = z.string().optional().describe('The password, unless a second factor passed in the last 15 minutes');

function form(summary: string, body: z.ZodType, ok: string, also: OperationDoc['also'] = []): OperationDoc {
  return { summary, body, bodyType: 'form', ok: html(200, ok), also, errors: [403] };
}

export const HOSTED_MFA: RouteGroup = {
  tag: 'Hosted second factor and account',
  description: 'Second-factor sign-in step, forced enrollment, step-up and the self-service /account page (CONTRACT §11)',
  security: 'none',
  routes: {
    'GET /login/factor': {
      summary: 'Step-up of a live IdP session too weak for the request: the second-factor page (or enrollment)',
      query: { state: { schema: z.string(), description: 'Pending request handle' } },
      ok: html(200, 'The second-factor or enrollment page'),
      also: [{ status: 302, description: 'To /login?state=… when the browser has no session' }, html(400, 'Expired request')],
    },
    'POST /login/factor': form(
      'Check a TOTP code, a WebAuthn assertion or a recovery code, then resume the SAML flow',
      z.object({
        ...Step,
        method: z.enum(['totp', 'webauthn', 'recovery']),
        code: z.string().optional(),
        webauthn: z.string().optional().describe('AuthenticationResponseJSON'),
      }),
      'Auto-submitting form to the ACS',
      [html(401, 'Wrong code or assertion (counts toward the lockout)'), html(429, 'Second-factor step locked (10 failures in 15 minutes)')],
    ),
    'POST /login/enroll': form('Confirm the TOTP enrollment forced by policy', z.object({ ...Step, code: z.string() }), 'The recovery codes, shown once', [
      html(401, 'Wrong code'),
    ]),
    'POST /login/continue': form('Resume the SAML flow after the recovery codes were shown', z.object(Step), 'Auto-submitting form to the ACS'),
    'GET /assets/simplewebauthn-browser.js': {
      summary: '@simplewebauthn/browser, served from the installed package',
      ok: { status: 200, description: 'JavaScript', contentType: 'text/javascript' },
    },
    'GET /account': {
      summary: 'Self-service account page (or its sign-in form without a session)',
      query: { org: { schema: z.string(), description: 'Organization slug' } },
      ok: html(200, 'The account page or its sign-in form'),
      also: [html(404, 'No such organization')],
    },
    'POST /account/login': form(
      'Sign in to /account (then the second factor when the user has one)',
      z.object({ ...Account, email: z.string(), password: z.string() }),
      'Second-factor page',
      [{ status: 302, description: 'To /account' }, html(401, 'Wrong credentials')],
    ),
    'POST /account/logout': form('End the IdP session', z.object(Account), 'Sign-in form', [{ status: 302, description: 'To /account' }]),
    'POST /account/totp/start': form('Start a TOTP enrollment: setup key and otpauth URI', z.object(Account), 'Enrollment page'),
    'POST /account/totp/confirm': form(
      'Confirm the TOTP enrollment',
      z.object({ ...Account, token: z.string(), code: z.string() }),
      'Recovery codes (first factor)',
      [{ status: 302, description: 'To /account' }, html(401, 'Wrong code')],
    ),
    'POST /account/passkey/start': form('Start a WebAuthn registration', z.object(Account), 'Registration page'),
    'POST /account/passkey/finish': form(
      'Store the new WebAuthn credential',
      z.object({ ...Account, token: z.string(), webauthn: z.string().describe('RegistrationResponseJSON'), name: z.string().max(64).optional() }),
      'Recovery codes (first factor)',
      [{ status: 302, description: 'To /account' }, html(400, 'Refused registration')],
    ),
    'POST /account/factors/remove': form(
      'Remove a factor',
      z.object({ ...Account, kind: z.enum(['totp', 'webauthn']), id: z.string(), password: Reauth }),
      'Account page',
      [{ status: 302, description: 'To /account' }, html(401, 'Password needed')],
    ),
    'POST /account/recovery': form('Make ten new recovery codes (the old ones stop working)', z.object({ ...Account, password: Reauth }), 'The new codes', [
      html(401, 'Password needed'),
    ]),
    'POST /account/password': form(
      'Change the password (current one required); the user’s other sessions end',
      z.object({ ...Account, current: z.string(), new: z.string().min(10).max(256), confirm: z.string() }),
      'Account page',
      [{ status: 302, description: 'To /account' }, html(400, 'Invalid new password'), html(401, 'Wrong current password')],
    ),
  },
};
