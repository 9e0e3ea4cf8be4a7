// The languages of the hosted pages and emails. No imports: the console bundles this file as it is (its
// "Send by email" language choice), so a language added here reaches both.
export const LOCALES = ['en', 'fr'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';
/** Each language's name in itself, as a person choosing it would look for it. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', fr: 'Français' };
