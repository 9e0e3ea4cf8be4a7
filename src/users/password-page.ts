// The hosted /password page: GET shows the form for a valid link, POST sets the password once.
// The token travels in the form body on POST (never in a log: request logs carry no query strings).
// Every outcome offers a next step: the form, the way back after saving, or support for a dead link.
import Router from '@koa/router';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { formBody } from '../http/body.ts';
import { brandOf } from '../http/brand.ts';
import { actionLink, escapeHtml, page, sendPage, uiFor, type PageUi } from '../http/html.ts';
import { t } from '../i18n/index.ts';
import { deadEndLinks, wayBack } from '../saml/way-back.ts';
import { findLink, usePasswordLink } from './password-links.ts';
import { formFromHere } from '../http/origin.ts';
import { forbidden } from '../http/errors.ts';

type Problem = 'tooShort' | 'mismatch';

function form(ui: PageUi, token: string, email: string, problem?: Problem): string {
  const say = (key: Parameters<typeof t>[1], vars?: Record<string, string>) => escapeHtml(t(ui.locale, key, vars));
  // The message sits by the field it is about, is announced, and the field points at it.
  const error = problem
    ? `<p id="password-error" class="error" role="alert">${say(problem === 'tooShort' ? 'password.tooShort' : 'password.mismatch')}</p>`
    : '';
  const onNew = problem === 'tooShort' ? ' aria-invalid="true" autofocus' : '';
  const onConfirm = problem === 'mismatch' ? ' aria-invalid="true" autofocus' : '';
  const newDescribed = problem === 'tooShort' ? 'password-hint password-error' : 'password-hint';
  return `<h1>${say('password.title')}</h1><p class="muted">${say('password.for', { email })}</p>${error}
<form method="post" action="/password">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<label for="password">${say('password.new')}</label><input id="password" name="password" type="password" autocomplete="new-password" minlength="10" maxlength="256" required aria-describedby="${newDescribed}"${onNew}${problem ? '' : ' autofocus'}>
<p id="password-hint" class="hint">${say('password.newHint')}</p>
<label for="confirm">${say('password.confirm')}</label><input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="10" maxlength="256" required${problem === 'mismatch' ? ' aria-describedby="password-error"' : ''}${onConfirm}>
<button type="submit">${say('password.submit')}</button></form>`;
}

function invalid(ui: PageUi): string {
  const support = deadEndLinks(ui, null);
  return `<h1>${escapeHtml(t(ui.locale, 'password.invalidTitle'))}</h1><p>${escapeHtml(t(ui.locale, 'password.invalidBody'))}</p><p>${escapeHtml(t(ui.locale, 'password.invalidWhatToDo'))}</p>${support}`;
}

/** The string fields of the form formBody parsed (ctx.request.body is untyped). */
function formFields(ctx: AppContext): Map<string, string> {
  const fields = new Map<string, string>();
  const body = ctx.request.body;
  if (typeof body !== 'object' || body === null) return fields;
  for (const [name, value] of Object.entries(body)) if (typeof value === 'string') fields.set(name, value);
  return fields;
}

export function passwordPageRoutes(deps: Deps): Router<AppState, AppContext> {
  const router = new Router<AppState, AppContext>();
  const markHtml = async (ctx: AppContext, next: () => Promise<unknown>) => {
    ctx.state.html = true;
    await next();
  };
  /** The link's organization brands the page (and its error pages) even when the link is dead. */
  const lookUp = async (ctx: AppContext, token: string) => {
    const found = await findLink(deps.db, token);
    if (found) ctx.state.brand = brandOf(found.link.user.organization);
    const ui = uiFor(ctx, ctx.state.brand);
    const render = (status: number, title: string, body: string) => {
      sendPage(ctx, status, page({ title, body, ui }));
    };
    if (!found?.usable) render(400, t(ui.locale, 'password.invalidTitle'), invalid(ui));
    return { link: found?.usable ? found.link : null, ui, render };
  };

  router.get('/password', markHtml, async (ctx) => {
    const { link, ui, render } = await lookUp(ctx, typeof ctx.query.token === 'string' ? ctx.query.token : '');
    if (link) render(200, t(ui.locale, 'password.title'), form(ui, typeof ctx.query.token === 'string' ? ctx.query.token : '', link.user.email));
  });

  router.post('/password', markHtml, formBody, async (ctx) => {
    // The link's token is the form's secret, so no CSRF token; a browser's cross-origin post is refused
    // all the same, as on every hosted form (http/origin.ts).
    if (!formFromHere(ctx, deps.config.publicUrl)) throw forbidden('Cross-origin requests are not allowed');
    const fields = formFields(ctx);
    const token = fields.get('token') ?? '';
    const password = fields.get('password') ?? '';
    const { link, ui, render } = await lookUp(ctx, token);
    if (!link) return;
    if (password.length < 10 || password.length > 256) {
      render(400, t(ui.locale, 'password.title'), form(ui, token, link.user.email, 'tooShort'));
      return;
    }
    if (password !== fields.get('confirm')) {
      render(400, t(ui.locale, 'password.title'), form(ui, token, link.user.email, 'mismatch'));
      return;
    }
    if (!(await usePasswordLink(deps.db, link.id, link.userId, password))) {
      render(400, t(ui.locale, 'password.invalidTitle'), invalid(ui));
      return;
    }
    const back = await wayBack(deps.db, link.pendingRequestId, ui.brand.supportUrl);
    const label =
      back?.kind === 'resume'
        ? t(ui.locale, 'password.continue')
        : back?.kind === 'application'
          ? t(ui.locale, 'password.backToApp', { service: back.service ?? '' })
          : t(ui.locale, 'common.support');
    const next = back ? actionLink(back.href, label) : `<p>${escapeHtml(t(ui.locale, 'common.backToApp'))}</p>`;
    render(
      200,
      t(ui.locale, 'password.savedTitle'),
      `<h1>${escapeHtml(t(ui.locale, 'password.savedTitle'))}</h1><p>${escapeHtml(t(ui.locale, 'password.saved'))}</p>${next}`,
    );
  });

  return router;
}
