// The hosted /password page: GET shows the form for a valid link, POST sets the password once.
// The token travels in the form body on POST (never in a log: request logs carry no query strings).
import Router from '@koa/router';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { formBody } from '../http/body.ts';
import { escapeHtml, page, sendPage } from '../http/html.ts';
import { findUsableLink, usePasswordLink } from './password-links.ts';

function render(ctx: AppContext, status: number, title: string, body: string): void {
  sendPage(ctx, status, page({ title, body }));
}

function form(token: string, email: string, error?: string): string {
  return `<h1>Set your password</h1><p class="muted">for ${escapeHtml(email)}</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/password">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<label for="password">New password (10–256 characters)</label><input id="password" name="password" type="password" autocomplete="new-password" minlength="10" maxlength="256" required>
<label for="confirm">Repeat it</label><input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="10" maxlength="256" required>
<button type="submit">Save password</button></form>`;
}

/** The string fields of the form formBody parsed (ctx.request.body is untyped). */
function formFields(ctx: AppContext): Map<string, string> {
  const fields = new Map<string, string>();
  const body = ctx.request.body;
  if (typeof body !== 'object' || body === null) return fields;
  for (const [name, value] of Object.entries(body)) if (typeof value === 'string') fields.set(name, value);
  return fields;
}

const INVALID = '<h1>This link is not valid</h1><p>It may have expired or been used already. Ask your administrator for a new one.</p>';

export function passwordPageRoutes(deps: Deps): Router<AppState, AppContext> {
  const router = new Router<AppState, AppContext>();
  const markHtml = async (ctx: AppContext, next: () => Promise<unknown>) => {
    ctx.state.html = true;
    await next();
  };

  router.get('/password', markHtml, async (ctx) => {
    const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
    const link = await findUsableLink(deps.db, token);
    if (!link) {
      render(ctx, 400, 'Invalid link', INVALID);
      return;
    }
    render(ctx, 200, 'Set your password', form(token, link.user.email));
  });

  router.post('/password', markHtml, formBody, async (ctx) => {
    const fields = formFields(ctx);
    const token = fields.get('token') ?? '';
    const password = fields.get('password') ?? '';
    const link = await findUsableLink(deps.db, token);
    if (!link) {
      render(ctx, 400, 'Invalid link', INVALID);
      return;
    }
    if (password.length < 10 || password.length > 256) {
      render(ctx, 400, 'Set your password', form(token, link.user.email, 'The password must be 10 to 256 characters long.'));
      return;
    }
    if (password !== fields.get('confirm')) {
      render(ctx, 400, 'Set your password', form(token, link.user.email, 'The two passwords do not match.'));
      return;
    }
    const ok = await usePasswordLink(deps.db, link.id, link.userId, password);
    if (!ok) {
      render(ctx, 400, 'Invalid link', INVALID);
      return;
    }
    render(ctx, 200, 'Password saved', '<h1>Password saved</h1><p>You can now sign in with your new password.</p>');
  });

  return router;
}
