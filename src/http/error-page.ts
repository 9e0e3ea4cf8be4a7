// The error page of the hosted routes: a plain-language title and what to do in the reader's language,
// a way back (the organization's support link when it has one), then the technical detail, the reason
// code and the request id for whoever answers the support request.
import type { MessageKey } from '../i18n/index.ts';
import { t } from '../i18n/index.ts';
import type { AppContext } from './context.ts';
import type { AppError } from './errors.ts';
import { actionLink, escapeHtml, page, uiFor, type Page } from './html.ts';

type Kind = 'request' | 'saml' | 'forbidden' | 'notFound' | 'tooMany' | 'unavailable' | 'server';

function kindOf(e: AppError): Kind {
  if (e.status === 429) return 'tooMany';
  if (e.status === 503) return 'unavailable';
  if (e.status >= 500) return 'server';
  // A refused SAML message carries a reason code; the person in front of the page did nothing wrong.
  if (e.reason) return 'saml';
  if (e.status === 403) return 'forbidden';
  if (e.status === 404) return 'notFound';
  return 'request';
}

export function errorPage(ctx: AppContext, e: AppError, message: string): Page {
  const ui = uiFor(ctx, ctx.state.brand);
  const kind = kindOf(e);
  const say = (key: string) => escapeHtml(t(ui.locale, `errors.${kind}.${key}` as MessageKey));
  const wayBack = ui.brand.supportUrl ? actionLink(ui.brand.supportUrl, t(ui.locale, 'common.support')) : '';
  const reason = e.reason ? `${escapeHtml(t(ui.locale, 'common.reason'))}: ${escapeHtml(e.reason)}<br>` : '';
  // "Reference: <id>" stays one run of text: support staff search the logs for exactly that.
  const body =
    `<h1>${say('title')}</h1><p>${say('action')}</p>${wayBack}` +
    `<div class="details"><p class="message">${escapeHtml(t(ui.locale, 'common.technical'))}: ${escapeHtml(message)}</p>` +
    `<p>${reason}${escapeHtml(t(ui.locale, 'common.reference'))}: ${escapeHtml(ctx.state.requestId)}</p></div>`;
  return page({ title: t(ui.locale, 'errors.pageTitle'), body, ui });
}
