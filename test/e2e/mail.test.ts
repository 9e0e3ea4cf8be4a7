// Email (CONTRACT §11): password links and invitations mailed through a real SMTP server in process
// (smtp-server, parsed with mailparser); .eml files in development without SMTP_URL; production
// without it sends nothing (409 for send_email, reset hidden); an SMTP server that cannot be reached.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer, deferredCleanups } from '../helpers/suite.ts';
import { startTestServer } from '../helpers/server.ts';
import { Client, uniqueEmail } from '../helpers/http.ts';
import { createOrg, registerAdmin, type Admin } from '../helpers/fixtures.ts';
import { expectError, expectStatus } from '../helpers/admin-plane.ts';
import { passwordLinkIn, SMTP_USER, startSmtpSink, type SmtpSink } from '../helpers/smtp.ts';
import { browserFetch, CookieJar, samlWorld } from '../helpers/saml.ts';
import { authnRequest, expectSignInRedirect, send } from '../helpers/saml-attacks.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

async function newUser(admin: Admin, org: string): Promise<{ id: string; email: string }> {
  const email = uniqueEmail('mail');
  const res = await admin.client.post<{ user: { id: string } }>(`/api/organizations/${org}/users`, { email });
  expectStatus(res, 201);
  return { id: res.body.user.id, email };
}

describe.each(databases())('Email through SMTP on $name', (factory) => {
  const env: Record<string, string> = {};
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
    env.SMTP_URL = sink.url;
    env.MAIL_FROM = 'Acme sign-in <signin@acme.example>';
  });
  afterAll(async () => {
    await sink.close();
  });
  const srv = suiteServer(factory, env);
  let admin: Admin;
  let org: string;
  let anon: Client;

  beforeAll(async () => {
    admin = await registerAdmin(srv.url);
    org = await createOrg(admin);
    expectStatus(await admin.client.patch(`/api/organizations/${org}`, { display_name: 'Acme Corp' }), 200);
    anon = new Client(srv.url);
  });

  it('password-link {send_email: true} mails the link to the user (201, email_sent: true); the mailed link works once', async () => {
    const u = await newUser(admin, org);
    const res = await admin.client.post<{ url: string; expires_at: string; email_sent: boolean }>(`/api/organizations/${org}/users/${u.id}/password-link`, {
      send_email: true,
    });
    expectStatus(res, 201);
    expect(res.body.email_sent).toBe(true);
    const got = await sink.waitFor(u.email);
    expect(got.to).toEqual([u.email]);
    expect(got.user).toBe(SMTP_USER);
    expect(got.mail.from?.value[0]?.address).toBe('signin@acme.example');
    expect(got.mail.subject).toBe('Set your password for Acme Corp');
    expect(got.mail.html).toContain('Acme Corp');
    const link = passwordLinkIn(got);
    expect(link).toBe(res.body.url);
    // In the HTML part the link is attribute-escaped ("=" as &#61;); the token itself is unchanged.
    expect(got.mail.html).toContain(new URL(link).searchParams.get('token') ?? 'no token');

    const token = new URL(link).searchParams.get('token') ?? '';
    expectStatus(await anon.get(`/password?token=${encodeURIComponent(token)}`), 200);
    const pw = 'mailed link password 1';
    expectStatus(await anon.post('/password', form({ token, password: pw, confirm: pw }), FORM), 200);
    expectStatus(await anon.post('/password', form({ token, password: 'second use password 2', confirm: 'second use password 2' }), FORM), 400);
    expectStatus(await anon.get(`/password?token=${encodeURIComponent(token)}`), 400);
  });

  it('locale: fr writes the email in French', async () => {
    const u = await newUser(admin, org);
    const res = await admin.client.post<{ email_sent: boolean }>(`/api/organizations/${org}/users/${u.id}/password-link`, { send_email: true, locale: 'fr' });
    expectStatus(res, 201);
    const got = await sink.waitFor(u.email);
    expect(got.mail.subject).toBe('Choisissez votre mot de passe pour Acme Corp');
    expect(got.mail.text).toContain('Bonjour');
    // French typography: a space before the colon of the link line, "de l’organisation" for any name.
    expect(got.mail.text).toMatch(/Choisir mon mot de passe : http/);
    expect(got.mail.text).toContain('Un administrateur de l’organisation Acme Corp');
    expect(got.mail.html).toContain('lang="fr"');
  });

  it('without send_email nothing is sent (email_sent: false); a bad send_email or locale is 400', async () => {
    const u = await newUser(admin, org);
    const plain = await admin.client.post<{ email_sent: boolean }>(`/api/organizations/${org}/users/${u.id}/password-link`);
    expectStatus(plain, 201);
    expect(plain.body.email_sent).toBe(false);
    const no = await admin.client.post<{ email_sent: boolean }>(`/api/organizations/${org}/users/${u.id}/password-link`, { send_email: false });
    expect(no.body.email_sent).toBe(false);
    expectError(await admin.client.post(`/api/organizations/${org}/users/${u.id}/password-link`, { send_email: 'yes' }), 400, 'BAD_REQUEST');
    expectError(await admin.client.post(`/api/organizations/${org}/users/${u.id}/password-link`, { send_email: true, locale: 'xx' }), 400, 'BAD_REQUEST');
    expectError(await admin.client.post(`/api/organizations/${org}/users/${u.id}/password-link`, { sendEmail: true }), 400, 'BAD_REQUEST');
    await new Promise((r) => setTimeout(r, 200));
    expect(sink.to(u.email)).toEqual([]);
  });

  it('invitations {send_email: true} mail the invitation with its code (201, email_sent: true)', async () => {
    const email = uniqueEmail('invitee');
    const res = await admin.client.post<{ token: string; email_sent: boolean; invitation: { id: string } }>(`/api/organizations/${org}/invitations`, {
      email,
      role: 'member',
      send_email: true,
    });
    expectStatus(res, 201);
    expect(res.body.email_sent).toBe(true);
    const got = await sink.waitFor(email);
    expect(got.mail.subject).toBe('You are invited to join Acme Corp on Tessera');
    expect(got.mail.text).toContain(res.body.token);
    expect(got.mail.text).toContain(`/console#invitation=${res.body.token}`);
    const plain = await admin.client.post<{ email_sent: boolean }>(`/api/organizations/${org}/invitations`, { email: uniqueEmail('quiet'), role: 'member' });
    expectStatus(plain, 201);
    expect(plain.body.email_sent).toBe(false);
  });

  it('no log line carries a mailed link, token or message body', () => {
    for (const r of sink.received) {
      const link = /https?:\/\/\S+?(?:token=|invitation=)([\w%-]+)/.exec(r.mail.text ?? '')?.[1] ?? '';
      expect(link.length).toBeGreaterThan(20);
      for (const line of srv.logs) expect(line).not.toContain(decodeURIComponent(link));
    }
    expect(srv.logs.some((l) => l.includes('"mail":"password_link"') && l.includes('email sent'))).toBe(true);
    for (const line of srv.logs) expect(line).not.toContain('Set your password for');
  });
});

describe.each(databases())('Email without SMTP_URL on $name', (factory) => {
  const defer = deferredCleanups();

  it('development: each message is written as an .eml file under MAIL_DIR and its path logged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-mail-'));
    defer(() => rm(dir, { recursive: true, force: true }));
    const srv = await startTestServer(factory, { NODE_ENV: 'development', MAIL_DIR: dir });
    defer(() => srv.stop());
    const admin = await registerAdmin(srv.url);
    const org = await createOrg(admin);
    const u = await newUser(admin, org);
    const res = await admin.client.post<{ url: string; email_sent: boolean }>(`/api/organizations/${org}/users/${u.id}/password-link`, { send_email: true });
    expectStatus(res, 201);
    expect(res.body.email_sent).toBe(true);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(1);
    const eml = await readFile(join(dir, files[0] ?? ''), 'utf8');
    expect(eml).toMatch(new RegExp(`^To: ${u.email.replace(/[.+]/g, '\\$&')}$`, 'm'));
    expect(eml).toContain('Subject: Set your password for');
    const token = new URL(res.body.url).searchParams.get('token') ?? '';
    expect(eml.replace(/=\r?\n/g, '')).toContain(token);
    const line = srv.logs.find((l) => l.includes('email written to a file'));
    expect(line).toContain(join(dir, files[0] ?? ''));
    for (const l of srv.logs) expect(l).not.toContain(token);
  });

  it('production: nothing is sent — send_email is 409 and makes no link; the reset page is hidden', async () => {
    const srv = await startTestServer(factory, {
      NODE_ENV: 'production',
      TESSERA_ENCRYPTION_KEY: 'production-test-key-0123456789abcdef',
      TESSERA_ALLOW_HTTP_ACS: 'true',
    });
    defer(() => srv.stop());
    expect(srv.logs.some((l) => l.includes('SMTP_URL is not set: no email is sent'))).toBe(true);
    const world = await samlWorld(srv.url);
    const refused = await world.admin.client.post(`/api/organizations/${world.org}/users/${world.userId}/password-link`, { send_email: true });
    // The detail names send_email: a form shows the refusal beside that control (the console does).
    const details = expectError(refused, 409, 'CONFLICT').details ?? [];
    expect(details.map((d) => d.field)).toEqual(['send_email']);
    expect(details[0]?.message).toMatch(/SMTP_URL/);
    expect(await srv.deps.db.passwordLink.count({ where: { userId: world.userId } })).toBe(0);
    const invitation = await world.admin.client.post(`/api/organizations/${world.org}/invitations`, { email: uniqueEmail(), role: 'member', send_email: true });
    expect(expectError(invitation, 409, 'CONFLICT').details?.map((d) => d.field)).toEqual(['send_email']);
    // Without send_email the link is made as always.
    expectStatus(await world.admin.client.post(`/api/organizations/${world.org}/users/${world.userId}/password-link`), 201);

    const jar = new CookieJar();
    const sso = await send('redirect', world.urls.sso, authnRequest(world.urls.sso), undefined, jar);
    expectSignInRedirect(sso);
    const location = sso.headers.get('location') ?? '';
    const login = await browserFetch(jar, srv.url + location);
    expect(login.status).toBe(200);
    expect(login.text).toContain('name="password"');
    expect(login.text).not.toContain('/password/forgot');
    const forgot = await browserFetch(jar, `${srv.url}/password/forgot?${location.split('?')[1] ?? ''}`);
    expect(forgot.status).toBe(404);
    expect(forgot.text).toContain('Password reset is not available');
  });

  it('an SMTP server that cannot be reached: 201 with email_sent false (the link is still returned)', async () => {
    const srv = await startTestServer(factory, { SMTP_URL: 'smtp://127.0.0.1:9' });
    defer(() => srv.stop());
    const admin = await registerAdmin(srv.url);
    const org = await createOrg(admin);
    const u = await newUser(admin, org);
    const res = await admin.client.post<{ url: string; email_sent: boolean }>(`/api/organizations/${org}/users/${u.id}/password-link`, { send_email: true });
    expectStatus(res, 201);
    expect(res.body.email_sent).toBe(false);
    expect(res.body.url).toContain('/password?token=');
    expect(srv.logs.some((l) => l.includes('email could not be sent'))).toBe(true);
  });
});
