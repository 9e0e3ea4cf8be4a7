// No API key in any URL. URLs end up in proxy logs, browser history and Referer headers, so a key sent
// there must be treated as leaked: the request is refused (400) before anything else reads it, and the
// key is never echoed. A parameter is refused when its name says "API key" in any spelling
// (`api_key`, `apiKey[]`, `x_api_key`, `X-API-KEY`, `key`) or when its name or any value has the shape of a
// Tessera key, whatever the name (`?token=sk_live_…`).
import { badRequest } from './errors.ts';

/** The shape of a key (sk_live_/sk_test_ and a long secret), anywhere in a decoded name or value. */
const KEY_SHAPE = /sk_(?:live|test)_[A-Za-z0-9_-]{16}/i;
/** Parameter names, lower-cased with every non-alphanumeric character and `[…]` suffix removed. */
const KEY_NAMES = new Set(['apikey', 'xapikey', 'key', 'accesskey', 'apikeys']);

export const KEY_IN_URL_MESSAGE = 'API keys must be sent in the X-API-Key header, never in the URL';

function decode(part: string): string {
  const spaced = part.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced; // malformed escapes: check the text as it came
  }
}

function normalName(name: string): string {
  return name
    .replace(/\[[^\]]*\]/g, '')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();
}

/** True when some parameter of the raw query string names or carries an API key. */
export function queryCarriesKey(querystring: string): boolean {
  if (!querystring) return false;
  // Cheap exits first: most query strings mention neither a key name nor a key.
  const lower = querystring.toLowerCase();
  if (!lower.includes('key') && !lower.includes('sk_') && !lower.includes('%')) return false;
  for (const part of querystring.split('&')) {
    const eq = part.indexOf('=');
    const name = decode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decode(part.slice(eq + 1));
    if (KEY_NAMES.has(normalName(name)) || KEY_SHAPE.test(name) || KEY_SHAPE.test(value)) return true;
  }
  return false;
}

/** Throws 400 when the query string carries an API key (see above). */
export function refuseKeyInUrl(querystring: string): void {
  if (queryCarriesKey(querystring)) throw badRequest(KEY_IN_URL_MESSAGE);
}
