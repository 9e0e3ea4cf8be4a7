// Authentication context classes (CONTRACT §11; docs/security.md, Step-up and AuthnContext).
// Tessera issues two classes, ordered by strength:
//   level 1  PasswordProtectedTransport  a password over TLS
//   level 2  https://refeds.org/profile/mfa  a password and a second factor
// A requested `Password` or `PasswordProtectedTransport` means level 1 (the hosted page always runs
// over TLS, so a password sign-in is both), `unspecified` means either level, and any other class is
// one Tessera never issues. A session at level 2 may answer a level-1 request with the level-1 class:
// the statement it makes (a password was given over TLS) is true of it.
import { NS, children, plainText } from './xml/parse.ts';
import { refuse } from './pipeline/reasons.ts';

export const CLASS = {
  password: 'urn:oasis:names:tc:SAML:2.0:ac:classes:Password',
  passwordProtected: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
  unspecified: 'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified',
  mfa: 'https://refeds.org/profile/mfa',
} as const;

export type Level = 1 | 2;
export const LEVELS: readonly Level[] = [1, 2];
export type Comparison = 'exact' | 'minimum' | 'better' | 'maximum';

/** RequestedAuthnContext as read from the verified AuthnRequest and kept on the pending request. */
export interface RequestedContext {
  comparison: Comparison;
  refs: string[];
}

/** The class a Response states for a level. */
export function classOf(level: Level): string {
  return level === 2 ? CLASS.mfa : CLASS.passwordProtected;
}

/** The levels a requested class names; none for a class Tessera never issues. */
function levelsOf(ref: string): Level[] {
  if (ref === CLASS.mfa) return [2];
  if (ref === CLASS.password || ref === CLASS.passwordProtected) return [1];
  if (ref === CLASS.unspecified) return [1, 2];
  return [];
}

/** The levels a Response may state for this request (empty: it cannot be satisfied). */
export function acceptableLevels(req: RequestedContext | null): Level[] {
  if (!req) return [...LEVELS];
  const named = req.refs.flatMap(levelsOf);
  if (named.length === 0) return [];
  const low = Math.min(...named);
  const high = Math.max(...named);
  switch (req.comparison) {
    case 'exact':
      return LEVELS.filter((l) => named.includes(l));
    case 'minimum':
      return LEVELS.filter((l) => l >= low);
    case 'better':
      // `unspecified` names both levels; "better than unspecified" is still any level Tessera has.
      return req.refs.includes(CLASS.unspecified) ? [...LEVELS] : LEVELS.filter((l) => l > low);
    case 'maximum':
      return LEVELS.filter((l) => l <= high);
  }
}

/**
 * What to do with a session (or a sign-in) at `have` for a request whose acceptable levels are
 * `acceptable`: answer with a level, step up to level 2, or refuse (NoAuthnContext).
 */
export type Decision = { kind: 'issue'; level: Level } | { kind: 'step_up' } | { kind: 'unsatisfiable' };

export function decide(acceptable: readonly Level[], have: Level): Decision {
  if (acceptable.length === 0) return { kind: 'unsatisfiable' };
  const within = acceptable.filter((l) => l <= have);
  const best = within.length ? Math.max(...within) : undefined;
  if (best === 1 || best === 2) return { kind: 'issue', level: best };
  return { kind: 'step_up' };
}

/** Narrows `acceptable` to level 2 when the organization, the service or the user's own factors demand it. */
export function withPolicy(acceptable: readonly Level[], mfaRequired: boolean): Level[] {
  return mfaRequired ? acceptable.filter((l) => l === 2) : [...acceptable];
}

/** Reads RequestedAuthnContext from the (verified) AuthnRequest root: undefined when absent. */
export function readRequestedContext(root: Element): RequestedContext | undefined {
  const found = children(root, NS.protocol, 'RequestedAuthnContext');
  if (found.length > 1) throw refuse('malformed_request', 'AuthnRequest has more than one RequestedAuthnContext');
  const el = found[0];
  if (!el) return undefined;
  const raw = el.hasAttribute('Comparison') ? el.getAttribute('Comparison') : 'exact';
  if (raw !== 'exact' && raw !== 'minimum' && raw !== 'better' && raw !== 'maximum')
    throw refuse('malformed_request', 'RequestedAuthnContext Comparison is invalid');
  if (children(el, NS.assertion, 'AuthnContextDeclRef').length > 0) {
    // Declarations are not classes Tessera issues: an empty list of classes makes the request unsatisfiable.
    return { comparison: raw, refs: [] };
  }
  const refs = children(el, NS.assertion, 'AuthnContextClassRef').map(plainText);
  if (refs.length > 20) throw refuse('malformed_request', 'RequestedAuthnContext lists too many classes');
  return { comparison: raw, refs };
}

const UNREADABLE: RequestedContext = { comparison: 'exact', refs: [] };

/** The stored form (saml_pending_requests.requested_authn_context) read back: null when the SP asked for none;
 * a value that does not read back asks for nothing Tessera issues (fail closed, never "no constraint"). */
export function parseStoredContext(json: string | null): RequestedContext | null {
  if (json === null) return null;
  try {
    const v: unknown = JSON.parse(json);
    if (typeof v !== 'object' || v === null) return UNREADABLE;
    const { comparison, refs } = v as { comparison?: unknown; refs?: unknown };
    if (comparison !== 'exact' && comparison !== 'minimum' && comparison !== 'better' && comparison !== 'maximum') return UNREADABLE;
    if (!Array.isArray(refs) || !refs.every((r): r is string => typeof r === 'string')) return UNREADABLE;
    return { comparison, refs };
  } catch {
    return UNREADABLE;
  }
}
