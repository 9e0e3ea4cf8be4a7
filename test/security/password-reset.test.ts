// Self-service password reset (CONTRACT §11, SECURITY 43) over HTTP, with the mail read from a real SMTP
// server in process: the mailed link works once and for 30 minutes, using it ends the user's IdP sessions,
// the page answers the same (body, status, time) for known and unknown emails, and the per-email and
// per-IP limits answer 429.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { uniqueEmail } from '../helpers/http.ts';
import { expectStatus } from '../helpers/admin-plane.ts';
import { browserFetch, CookieJar, completeSignIn, hiddenInput, samlResponseFrom, samlWorld, USER_PASSWORD, type SamlWorld } from '../helpers/saml.ts';
import { authnRequest, expectSignInRedirect, send } from '../helpers/saml-attacks.ts';
import { passwordLinkIn, startSmtpSink, type SmtpSink } from '../helpers/smtp.ts';

const SUPPORT = 'https://help.acme.example/password';
let ipCounter = 0;
const freshIp = () => `198.51.100.${++ipCounter}`;

interface Forgot {
  jar: CookieJar;
  state: string;
  csrf: string;
  ip: string;
}

describe.each(databases())('Self-service password reset on $name', (factory) => {
  const env: Record<string, string> = { TRUST_PROXY: 'true' };
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
    env.SMTP_URL = sink.url;
  });
  afterAll(async () => {
    await sink.close();
  });
  const srv = suiteServer(factory, env);
  let world: SamlWorld;

  beforeAll(async () => {
    world = await samlWorld(srv.url);
    expectStatus(await world.admin.client.patch(`/api/organizations/${world.org}`, { display_name: 'Acme Corp', support_url: SUPPORT }), 200);
  });

  const origin = () => new URL(world.base).origin;

  async function addUser(): Promise<string> {
    const email = uniqueEmail('reset');
    expectStatus(await world.admin.client.post(`/api/organizations/${world.org}/users`, { email, password: USER_PASSWORD }), 201);
    return email;
  }

  /** SP-initiated sign-in → /login → "Forgot password?" → the form. */
  async function openForgot(ip = freshIp(), jar = new CookieJar()): Promise<Forgot> {
    const first = await send('redirect', world.urls.sso, authnRequest(world.urls.sso), undefined, jar);
    expectSignInRedirect(first);
    const login = await browserFetch(jar, world.base + (first.headers.get('location') ?? ''));
    const href = /<a href="(\/password\/forgot\?state=[^"]+)">Forgot password\?<\/a>/.exec(login.text)?.[1];
    expect(href, login.text).toBeDefined();
    const page = await browserFetch(jar, world.base + (href ?? ''), { headers: { 'x-forwarded-for': ip } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('Acme Corp');
    return { jar, ip, state: hiddenInput(page.text, 'state') ?? '', csrf: hiddenInput(page.text, 'csrf') ?? '' };
  }

  function submit(f: Forgot, email: string) {
    return browserFetch(f.jar, `${world.base}/password/forgot`, {
      form: { state: f.state, csrf: f.csrf, email },
      headers: { origin: origin(), 'x-forwarded-for': f.ip },
    });
  }

  it('the mailed link sets the password once, ends every IdP session of the user, and leads back to the sign-in', async () => {
    // A browser already signed in: its session signs in without a password.
    const signedIn = new CookieJar();
    samlResponseFrom(await completeSignIn(world, signedIn, await send('redirect', world.urls.sso, authnRequest(world.urls.sso), undefined, signedIn)));
    samlResponseFrom(await send('redirect', world.urls.sso, authnRequest(world.urls.sso), undefined, signedIn));

    const f = await openForgot();
    const sent = await submit(f, world.userEmail.toUpperCase());
    expect(sent.status).toBe(200);
    expect(sent.text).toContain('Check your email');
    const mail = await sink.waitFor(world.userEmail);
    expect(mail.mail.subject).toBe('Reset your Acme Corp password');
    const link = passwordLinkIn(mail);
    const token = new URL(link).searchParams.get('token') ?? '';
    const row = await srv.deps.db.passwordLink.findFirst({ where: { userId: world.userId, purpose: 'reset' } });
    expect(((row?.expiresAt.getTime() ?? 0) - (row?.createdAt.getTime() ?? 0)) / 60_000).toBeCloseTo(30, 0);

    const formPage = await browserFetch(new CookieJar(), link);
    expect(formPage.status).toBe(200);
    const newPassword = 'a fresh reset password 7';
    // Another site's form posting the link's token is refused, and the link stays usable.
    const forged = await browserFetch(new CookieJar(), `${world.base}/password`, {
      form: { token, password: 'chosen by the attacker 1', confirm: 'chosen by the attacker 1' },
      headers: { origin: 'https://evil.example' },
    });
    expect(forged.status).toBe(403);
    const saved = await browserFetch(f.jar, `${world.base}/password`, { form: { token, password: newPassword, confirm: newPassword } });
    expect(saved.status).toBe(200);
    expect(saved.text).toContain('Password saved');
    const back = /<a class="action" href="(\/login\?state&#61;[^"]+)">Continue to sign in<\/a>/.exec(saved.text)?.[1];
    expect(back, saved.text).toBeDefined();

    // The old session no longer signs in without a password.
    expectSignInRedirect(await send('redirect', world.urls.sso, authnRequest(world.urls.sso), undefined, signedIn));
    const ended = await srv.deps.db.idpSession.count({ where: { userId: world.userId, endedAt: null } });
    expect(ended).toBe(0);
    // The link is spent.
    const again = await browserFetch(new CookieJar(), `${world.base}/password`, {
      form: { token, password: 'yet another password 9', confirm: 'yet another password 9' },
    });
    expect(again.status).toBe(400);
    expect(again.text).toContain('This link can no longer be used');
    expect(again.text).toContain(`href="${SUPPORT}"`);

    // The way back resumes the original sign-in, with the new password only.
    const resumed = await browserFetch(f.jar, world.base + (back ?? '').replace(/&#61;/g, '='));
    expect(resumed.status).toBe(200);
    const csrf = hiddenInput(resumed.text, 'csrf') ?? '';
    const state = hiddenInput(resumed.text, 'state') ?? '';
    const wrong = await browserFetch(f.jar, `${world.base}/login`, {
      form: { state, csrf, email: world.userEmail, password: USER_PASSWORD },
      headers: { origin: origin() },
    });
    expect(wrong.status).toBe(401);
    const csrf2 = hiddenInput(wrong.text, 'csrf') ?? '';
    const ok = await browserFetch(f.jar, `${world.base}/login`, {
      form: { state, csrf: csrf2, email: world.userEmail, password: newPassword },
      headers: { origin: origin() },
    });
    expect(samlResponseFrom(ok).xml).toContain(world.userEmail);
  });

  it('a link older than 30 minutes is refused, with a way back', async () => {
    const email = await addUser();
    await submit(await openForgot(), email);
    const link = passwordLinkIn(await sink.waitFor(email));
    const token = new URL(link).searchParams.get('token') ?? '';
    expect((await browserFetch(new CookieJar(), link)).status).toBe(200);
    const user = await srv.deps.db.user.findFirst({ where: { email } });
    await srv.deps.db.passwordLink.updateMany({ where: { userId: user?.id ?? '' }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const page = await browserFetch(new CookieJar(), link);
    expect(page.status).toBe(400);
    expect(page.text).toContain(`href="${SUPPORT}"`);
    const post = await browserFetch(new CookieJar(), `${world.base}/password`, {
      form: { token, password: 'too late password 1', confirm: 'too late password 1' },
    });
    expect(post.status).toBe(400);
  });

  it('answers known and unknown emails with the same status, page and time; mails only the known ones', async () => {
    const normalise = (html: string, email: string) =>
      html
        .replaceAll(email, 'EMAIL')
        .replace(/nonce="[^"]*"/g, '')
        .replace(/value="[^"]*"/g, '')
        .replace(/state(=|&#61;)[^"]*/g, '');
    const pages = new Set<string>();
    const times: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] };
    const unknown: string[] = [];
    for (let round = 0; round < 8; round++) {
      for (const kind of round % 2 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const)) {
        const email = kind === 'known' ? await addUser() : uniqueEmail('nobody');
        if (kind === 'unknown') unknown.push(email);
        const f = await openForgot();
        const started = performance.now();
        const res = await submit(f, email);
        times[kind].push(performance.now() - started);
        expect(res.status).toBe(200);
        pages.add(normalise(res.text, email));
        if (kind === 'known') await sink.waitFor(email);
      }
    }
    expect(pages.size).toBe(1);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    expect(Math.abs(median(times.known) - median(times.unknown))).toBeLessThan(25);
    await new Promise((r) => setTimeout(r, 300));
    for (const email of unknown) expect(sink.to(email)).toEqual([]);
  });

  it('limits: a fourth request for one email within the hour is 429, and so is the 21st from one IP', async () => {
    const email = await addUser();
    for (let i = 0; i < 3; i++) expect((await submit(await openForgot(), email)).status).toBe(200);
    const limited = await submit(await openForgot(), email);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited.text).toContain('Too many attempts');
    expect(limited.text).toContain('Acme Corp');

    const ip = freshIp();
    for (let i = 0; i < 20; i++) expect((await submit(await openForgot(ip), uniqueEmail('ip'))).status).toBe(200);
    expect((await submit(await openForgot(ip), uniqueEmail('ip'))).status).toBe(429);
  });

  it('refuses a forged form (403), and explains where to start without a pending request (400)', async () => {
    const f = await openForgot();
    const forged = await browserFetch(f.jar, `${world.base}/password/forgot`, {
      form: { state: f.state, csrf: 'not-the-cookie', email: world.userEmail },
      headers: { origin: origin(), 'x-forwarded-for': f.ip },
    });
    expect(forged.status).toBe(403);
    const crossSite = await browserFetch(f.jar, `${world.base}/password/forgot`, {
      form: { state: f.state, csrf: f.csrf, email: world.userEmail },
      headers: { origin: 'https://evil.example', 'x-forwarded-for': f.ip },
    });
    expect(crossSite.status).toBe(403);
    const none = await browserFetch(new CookieJar(), `${world.base}/password/forgot`);
    expect(none.status).toBe(400);
    expect(none.text).toContain('Start from the application');
    const bad = await submit(f, 'not an email');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('aria-invalid="true"');
  });

  it('a disabled user gets the same page and no email; the reset email follows the browser language', async () => {
    const disabled = await addUser();
    const row = await srv.deps.db.user.findFirst({ where: { email: disabled } });
    expectStatus(await world.admin.client.patch(`/api/organizations/${world.org}/users/${row?.id ?? ''}`, { disabled: true }), 200);
    const f = await openForgot();
    const res = await submit(f, disabled);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Check your email');

    const french = await addUser();
    const fr = await openForgot();
    const answer = await browserFetch(fr.jar, `${world.base}/password/forgot`, {
      form: { state: fr.state, csrf: fr.csrf, email: french },
      headers: { origin: origin(), 'x-forwarded-for': fr.ip, 'accept-language': 'fr-FR,fr;q=0.9' },
    });
    expect(answer.text).toContain('<html lang="fr">');
    expect(answer.text).toContain('Consultez vos e-mails');
    const mail = await sink.waitFor(french);
    expect(mail.mail.subject).toBe('Réinitialisez votre mot de passe Acme Corp');
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.to(disabled)).toEqual([]);
  });

  it('no log line carries a reset link or token', () => {
    for (const r of sink.received) {
      const token = /token=([\w%-]+)/.exec(r.mail.text ?? '')?.[1] ?? '';
      expect(token.length).toBeGreaterThan(20);
      for (const line of srv.logs) expect(line).not.toContain(decodeURIComponent(token));
    }
  });
});
