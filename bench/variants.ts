// The SSO variants `npm run bench` loads, one row each: the same POST /saml/<org>/sso (HTTP-POST binding,
// a fresh AuthnRequest per request, Response and Assertion signed) from a browser with a live IdP
// session, in an organization set up for the variant. Each round loads them one after the other between
// two RSA-2048 ceiling measurements (run.ts), so every variant's "signing efficiency" (Responses/s × 2 ÷
// signatures/s) has the same ceiling. To add a variant: a row here, its organization in `seedVariants`,
// and (when its session is not seeded) a step in `sessionsFor`.
import type { Db } from '../src/db/client.ts';
import { newId } from '../src/security/random.ts';
import { seedMfaSso, signInWithTotp, type MfaLogin } from './mfa.ts';
import { authnRequestForm, seedHookedSso, seedSso, spEncryptionCertificate } from './sso.ts';

export type VariantKey = 'sso' | 'sso-mfa' | 'sso-encrypted' | 'sso-webhook';

export interface SsoVariant {
  /** Its name in BENCH_ONLY and in results.json. */
  key: VariantKey;
  /** Its row in the printed table. */
  label: string;
  /** What the variant is there to show, and its target (printed under the table). */
  target: string;
}

const PASSWORD_CLASS = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const MFA_CLASS = 'https://refeds.org/profile/mfa';

/** In the printed order; LOAD_ORDER is the order of the loads in a round. */
export const SSO_VARIANTS: readonly SsoVariant[] = [
  { key: 'sso', label: 'POST /saml/…/sso (live session, 2 signatures)', target: 'issue 20 item 2: ≥ 60 % of the RSA limit' },
  {
    key: 'sso-mfa',
    label: 'POST /saml/…/sso, session passed TOTP',
    target: 'issue 15 item 9: within 5 points of the password-only SSO of the same round',
  },
  {
    key: 'sso-encrypted',
    label: 'POST /saml/…/sso, Assertion encrypted',
    target: 'issue 17 item 7: aes256-gcm content, RSA-OAEP key transport; ≥ 30 %',
  },
  {
    key: 'sso-webhook',
    label: 'POST /saml/…/sso, webhook on "*"',
    target: 'a user.signed_in event per sign-in, delivered to a receiver in the bench process; compared below',
  },
];

/**
 * The order of a round's loads. The plain SSO comes right before the webhook variant, and is loaded
 * again after it (run.ts), once its deliveries drained, so that the webhook's cost is read against a
 * plain load on each side, like every other path of the bench (the machine's speed drifts within a
 * minute). The TOTP variant comes right before the plain one it is compared with.
 */
export const LOAD_ORDER: readonly VariantKey[] = ['sso-encrypted', 'sso-mfa', 'sso', 'sso-webhook'];
// A variant missing here would silently never be loaded.
for (const v of SSO_VARIANTS) if (!LOAD_ORDER.includes(v.key)) throw new Error(`bench/variants.ts: ${v.key} is not in LOAD_ORDER`);

/** Where each variant's load goes, and its session cookie (the MFA one only once the server runs). */
export interface VariantSeed {
  ssoPath: string;
  cookie: string | null;
  mfa?: MfaLogin;
}

/**
 * Each variant's organization: "sso" in the main bench organization (`main`), the others in their own
 * ("bench-mfa", "bench-encrypted", "bench-hooked") so nothing of one variant is on another's path.
 */
export async function seedVariants(
  db: Db,
  encryptionKey: string,
  main: { id: string; slug: string },
  receiverUrl: string,
): Promise<Record<VariantKey, VariantSeed>> {
  const sso = await seedSso(db, encryptionKey, main);
  const mfa = await seedMfaSso(db, encryptionKey);
  const encOrg = await db.organization.create({ data: { id: newId('org'), slug: 'bench-encrypted', name: 'Bench with encryption' } });
  const encrypted = await seedSso(db, encryptionKey, encOrg, { encryptionCertificatePem: await spEncryptionCertificate() });
  const hooked = await seedHookedSso(db, encryptionKey, receiverUrl);
  return {
    sso: { ssoPath: `/saml/${main.slug}/${sso.serviceSlug}/sso`, cookie: sso.cookie },
    'sso-mfa': { ssoPath: mfa.ssoPath, cookie: null, mfa },
    'sso-encrypted': { ssoPath: `/saml/${encOrg.slug}/${encrypted.serviceSlug}/sso`, cookie: encrypted.cookie },
    'sso-webhook': { ssoPath: hooked.ssoPath, cookie: hooked.cookie },
  };
}

/** Every wanted variant's session cookie: the seeded ones as they are, the MFA one by signing in over HTTP. */
export async function sessionsFor(
  publicUrl: string,
  seeds: Record<VariantKey, VariantSeed>,
  wanted: (key: VariantKey) => boolean,
): Promise<Map<VariantKey, string>> {
  const cookies = new Map<VariantKey, string>();
  for (const v of SSO_VARIANTS) {
    if (!wanted(v.key)) continue;
    const seed = seeds[v.key];
    const cookie = seed.mfa ? await signInWithTotp(publicUrl, seed.mfa) : seed.cookie;
    if (!cookie) throw new Error(`${v.key}: no session`);
    await checkVariant(v.key, publicUrl + seed.ssoPath, cookie);
    cookies.set(v.key, cookie);
  }
  return cookies;
}

/**
 * One request of the variant, looked at before it is loaded: a Response with the AuthnContext the session
 * earned, and for encryption an EncryptedAssertion with no NameID in clear (a wrong set-up would
 * otherwise be measured as a fast variant).
 */
async function checkVariant(key: VariantKey, url: string, cookie: string): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: authnRequestForm(url),
  });
  const page = await res.text();
  const encoded = /name="SAMLResponse" value="([^"]+)"/.exec(page)?.[1];
  if (res.status !== 200 || !encoded) throw new Error(`${key}: SSO answered ${String(res.status)} without a Response`);
  const xml = Buffer.from(encoded, 'base64').toString('utf8');
  const fail = (why: string) => new Error(`${key}: the Response ${why}`);
  if (key === 'sso-encrypted') {
    if (!xml.includes('<saml:EncryptedAssertion') || xml.includes('<saml:NameID')) throw fail('is not encrypted');
    return;
  }
  const expected = key === 'sso-mfa' ? MFA_CLASS : PASSWORD_CLASS;
  if (!xml.includes(`<saml:AuthnContextClassRef>${expected}</saml:AuthnContextClassRef>`)) throw fail(`does not state ${expected}`);
}
