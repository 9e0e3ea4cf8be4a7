// The hosted pages of self-service password reset (CONTRACT §11), apart from openapi-catalog.ts to keep
// that file readable. Form bodies are read field by field, so their schemas here are documentation only.
import { z } from 'zod';
import { html, type RouteGroup } from './openapi-doc.ts';

const ForgotForm = z.object({ state: z.string(), csrf: z.string(), email: z.string() });
const state = { state: { schema: z.string(), description: 'The pending sign-in request (from /login)' } };

export const HOSTED_PAGES: RouteGroup = {
  tag: 'Password reset',
  description: 'Self-service password reset pages, reached from "Forgot password?" on /login (CONTRACT §11)',
  security: 'none',
  routes: {
    'GET /password/forgot': {
      summary: 'Hosted page: ask for a reset link',
      query: state,
      ok: html(200, 'The form'),
      also: [html(400, 'No pending sign-in request: start from the application'), html(404, 'Email is not configured: reset unavailable')],
    },
    'POST /password/forgot': {
      summary: 'Mail a 30-minute single-use reset link; the same answer whether or not the email has an account',
      body: ForgotForm,
      bodyType: 'form',
      ok: html(200, '"Check your email", for every address'),
      also: [html(400, 'Invalid email or no pending request'), html(404, 'Email is not configured')],
      errors: [403, 429],
    },
  },
};
