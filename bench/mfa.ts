// The SSO variant whose IdP session passed a second factor (issue 15 item 9). Its session is not written
// into the database: the bench signs in the way a browser does, over HTTP on the hosted pages, so the
// session the load then reuses is exactly what a real TOTP sign-in leaves behind:
//   1. POST /saml/<org>/sso with an AuthnRequest and no cookie  → 302 /login?state=…
//   2. GET /login?state=…                                       → the password form (state, csrf)
//   3. POST /login with email and password                      → the second-factor page (token, csrf)
//   4. POST /login/factor with the TOTP code of the seeded secret → the Response, and the session cookie
import { generate } from 'otplib';
import type { Db } from '../src/db/client.ts';
import { newId } from '../src/security/random.ts';
import { createSealer } from '../src/security/encryption.ts';
import { hashPassword } from '../src/security/passwords.ts';
import { newTotpSecret, sealTotpSecret } from '../src/mfa/totp.ts';
import { sessionCookieName } from '../src/saml/session.ts';
import { authnRequestForm, seedSamlService } from './sso.ts';

const EMAIL = 'mfa@bench.example';
const PASSWORD = 'bench-password-with-a-second-factor';

/** What the sign-in needs: where, who, and the TOTP secret an authenticator app would hold. */
export interface MfaLogin {
  orgId: string;
  ssoPath: string;
  email: string;
  password: string;
  totpSecret: string;
}

/** An organization "bench-mfa" with the SAML service and a user with a password and a TOTP factor (no session). */
export async function seedMfaSso(db: Db, encryptionKey: string): Promise<MfaLogin> {
  const org = await db.organization.create({ data: { id: newId('org'), slug: 'bench-mfa', name: 'Bench with MFA' } });
  const { serviceSlug } = await seedSamlService(db, encryptionKey, org);
  const user = await db.user.create({
    data: { id: newId('usr'), organizationId: org.id, email: EMAIL, passwordHash: await hashPassword(PASSWORD) },
  });
  const totpSecret = newTotpSecret();
  // Sealed as the server seals an enrolled secret (same key, bound to the user id).
  await db.totpFactor.create({ data: { userId: user.id, secretSealed: sealTotpSecret(createSealer(encryptionKey), user.id, totpSecret) } });
  return { orgId: org.id, ssoPath: `/saml/${org.slug}/${serviceSlug}/sso`, email: EMAIL, password: PASSWORD, totpSecret };
}

/** A browser's cookies for one origin, enough for these four requests. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

interface Page {
  status: number;
  location: string;
  text: string;
}

async function send(jar: CookieJar, url: string, form?: Record<string, string> | string): Promise<Page> {
  const body = typeof form === 'string' ? form : form ? new URLSearchParams(form).toString() : undefined;
  const res = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    redirect: 'manual',
    headers: {
      cookie: jar.header(),
      origin: new URL(url).origin,
      ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    ...(body === undefined ? {} : { body }),
  });
  jar.take(res);
  return { status: res.status, location: res.headers.get('location') ?? '', text: await res.text() };
}

function hidden(page: Page, name: string): string {
  const m = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(page.text);
  if (!m?.[1]) throw new Error(`MFA sign-in: no "${name}" field on a ${String(page.status)} page`);
  return m[1]
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Signs in through the hosted pages with the password and a TOTP code; returns the session cookie the SSO load sends. */
export async function signInWithTotp(publicUrl: string, login: MfaLogin): Promise<string> {
  const jar = new CookieJar();
  const sso = publicUrl + login.ssoPath;
  const start = await send(jar, sso, authnRequestForm(sso));
  if (start.status !== 302 || !start.location.startsWith('/login?')) throw new Error(`MFA sign-in: SSO without a session answered ${String(start.status)}`);
  const passwordPage = await send(jar, publicUrl + start.location);
  const factorPage = await send(jar, `${publicUrl}/login`, {
    state: hidden(passwordPage, 'state'),
    csrf: hidden(passwordPage, 'csrf'),
    email: login.email,
    password: login.password,
  });
  const code = await generate({ secret: login.totpSecret, algorithm: 'sha1', digits: 6, period: 30 });
  const done = await send(jar, `${publicUrl}/login/factor`, {
    token: hidden(factorPage, 'token'),
    csrf: hidden(factorPage, 'csrf'),
    method: 'totp',
    code,
  });
  hidden(done, 'SAMLResponse'); // the sign-in ended in a Response
  const name = sessionCookieName(login.orgId);
  const token = jar.get(name);
  if (!token) throw new Error('MFA sign-in: no IdP session cookie was set');
  return `${name}=${token}`;
}
