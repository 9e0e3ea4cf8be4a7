// Messages of the hosted pages (sign-in, second factor, enrollment, reset, password, account, errors)
// in every supported language, chosen per request from Accept-Language. Templates hold no text of
// their own: they call t(locale, key, vars). A value is plain text; the template escapes it.
//
// To add an area: write messages/<area>.ts as {en: {...}, fr: {...}} (see common.ts) and list it in
// `catalogs` below. To add a language: add it to LOCALES (locales.ts) and to every catalog (the types insist).
import { common } from './messages/common.ts';
import { login } from './messages/login.ts';
import { password } from './messages/password.ts';
import { reset } from './messages/reset.ts';
import { errors } from './messages/errors.ts';
import { mail } from './messages/mail.ts';
import { mfa } from './messages/mfa.ts';
import { account } from './messages/account.ts';

import { DEFAULT_LOCALE, LOCALES, type Locale } from './locales.ts';

export { DEFAULT_LOCALE, LOCALES, type Locale } from './locales.ts';

// Each area must give every language the same keys as its English entry.
type Catalog<K extends string> = { en: Record<K, string> } & Record<Exclude<Locale, 'en'>, Record<K, string>>;
const catalogs = [common, login, password, reset, errors, mail, mfa, account] satisfies Catalog<string>[];

type KeysOf<C> = C extends { en: infer E } ? keyof E : never;
export type MessageKey = Extract<KeysOf<(typeof catalogs)[number]>, string>;

const tables = new Map<Locale, Map<string, string>>(LOCALES.map((locale) => [locale, new Map<string, string>()]));
for (const catalog of catalogs) {
  for (const locale of LOCALES) {
    const table = tables.get(locale);
    for (const [key, text] of Object.entries(catalog[locale])) table?.set(key, text);
  }
}

/** The best supported language for an Accept-Language header (RFC 9110 §12.5.4 weights), else English. */
export function pickLocale(acceptLanguage: string | undefined): Locale {
  if (!acceptLanguage) return DEFAULT_LOCALE;
  const ranked = acceptLanguage
    .split(',')
    .map((part, order) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { lang: tag.trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), order };
    })
    .filter((entry) => entry.q > 0 && !Number.isNaN(entry.q))
    .sort((a, b) => b.q - a.q || a.order - b.order);
  for (const { lang } of ranked) {
    const match = LOCALES.find((locale) => locale === lang);
    if (match) return match;
  }
  return DEFAULT_LOCALE;
}

/** The message in that language with {name} placeholders filled; English when a language lacks it. */
export function t(locale: Locale, key: MessageKey, vars: Record<string, string | number> = {}): string {
  const text = tables.get(locale)?.get(key) ?? tables.get(DEFAULT_LOCALE)?.get(key) ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
