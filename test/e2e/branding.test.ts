// Branding and language of the hosted pages (CONTRACT §11): display_name, logo_url, primary_color and
// support_url on PATCH /api/organizations/:org (validated, null clears) and on the sign-in, password and
// error pages; button text at WCAG AA contrast whatever the colour; no style attribute (CSP); French by
// Accept-Language with <html lang="fr">.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { expectError, expectStatus } from '../helpers/admin-plane.ts';
import { browserFetch, completeSignIn, CookieJar, samlWorld, type FetchResult, type SamlWorld } from '../helpers/saml.ts';
import { post, setupKey, stepFields, totpCode } from '../helpers/mfa.ts';
import { authnRequest, expectSignInRedirect, send } from '../helpers/saml-attacks.ts';
import { contrast } from '../../src/http/brand.ts';

interface OrgBody {
  organization: { display_name: string | null; logo_url: string | null; primary_color: string | null; support_url: string | null; name: string };
}

const LOGO = 'https://cdn.acme.example/logo.png';
const SUPPORT = 'https://help.acme.example/';

describe.each(databases())('Branding and language of the hosted pages on $name', (factory) => {
  const srv = suiteServer(factory);
  let world: SamlWorld;
  const orgPath = () => `/api/organizations/${world.org}`;

  beforeAll(async () => {
    world = await samlWorld(srv.url);
  });

  async function loginPage(headers: Record<string, string> = {}): Promise<FetchResult> {
    const jar = new CookieJar();
    const first = await send('redirect', world.urls.sso, authnRequest(world.urls.sso), undefined, jar);
    expectSignInRedirect(first);
    return browserFetch(jar, world.base + (first.headers.get('location') ?? ''), { headers });
  }

  function buttonColours(html: string): { bg: string; fg: string } {
    const m = /button,\.action\{[^}]*background:(#[0-9a-f]{6});color:(#[0-9a-f]{6})/.exec(html);
    expect(m, 'button rule').not.toBeNull();
    return { bg: m?.[1] ?? '', fg: m?.[2] ?? '' };
  }

  it('PATCH validates each branding field: 400 with details naming it', async () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ primary_color: 'red' }, 'primary_color'],
      [{ primary_color: '#12345' }, 'primary_color'],
      [{ primary_color: '#1234567' }, 'primary_color'],
      [{ logo_url: 'http://cdn.acme.example/logo.png' }, 'logo_url'],
      [{ logo_url: 'javascript:alert(1)' }, 'logo_url'],
      // Strings no URL can be made of: the URL check's 400, never a 500 from the credentials check.
      [{ logo_url: '' }, 'logo_url'],
      [{ logo_url: 'x' }, 'logo_url'],
      [{ support_url: 'not a url' }, 'support_url'],
      [{ logo_url: '\ud800' }, 'logo_url'],
      [{ logo_url: 'https://user:pw@cdn.acme.example/logo.png' }, 'logo_url'],
      [{ support_url: 'ftp://help.acme.example/' }, 'support_url'],
      [{ support_url: `https://help.acme.example/${'a'.repeat(2100)}` }, 'support_url'],
      [{ display_name: '' }, 'display_name'],
      [{ display_name: 42 }, 'display_name'],
    ];
    for (const [body, field] of bad) {
      const err = expectError(await world.admin.client.patch(orgPath(), body), 400, 'BAD_REQUEST');
      expect(
        err.details?.map((d) => d.field),
        JSON.stringify(body),
      ).toContain(field);
    }
    const unchanged = await world.admin.client.get<OrgBody>(orgPath());
    expect(unchanged.body.organization).toMatchObject({ display_name: null, logo_url: null, primary_color: null, support_url: null });
  });

  it('PATCH sets the brand (colour stored lower-case), GET returns it, null clears one field', async () => {
    const set = await world.admin.client.patch<OrgBody>(orgPath(), {
      display_name: 'Acme Corp',
      logo_url: LOGO,
      primary_color: '#1A2B3C',
      support_url: SUPPORT,
    });
    expectStatus(set, 200);
    expect(set.body.organization).toMatchObject({ display_name: 'Acme Corp', logo_url: LOGO, primary_color: '#1a2b3c', support_url: SUPPORT });
    const cleared = await world.admin.client.patch<OrgBody>(orgPath(), { logo_url: null });
    expect(cleared.body.organization).toMatchObject({ display_name: 'Acme Corp', logo_url: null, primary_color: '#1a2b3c' });
    expectStatus(await world.admin.client.patch(orgPath(), { logo_url: LOGO }), 200);
    const got = await world.admin.client.get<OrgBody>(orgPath());
    expect(got.body.organization.logo_url).toBe(LOGO);
  });

  it('the sign-in page shows the logo (alt = display name), the colour with readable button text and the support link', async () => {
    expectStatus(await world.admin.client.patch(orgPath(), { display_name: 'Acme Corp', logo_url: LOGO, primary_color: '#1a2b3c', support_url: SUPPORT }), 200);
    const page = await loginPage();
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<img src="${LOGO}" alt="Acme Corp">`);
    expect(page.text).toContain('with your Acme Corp account');
    expect(page.text).toContain(`<a href="${SUPPORT}">Contact support</a>`);
    expect(page.text).not.toMatch(/\sstyle=/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain('img-src https:');
    expect(csp).not.toMatch(/img-src[^;]*(\*|http:|data:)/);
    const { bg, fg } = buttonColours(page.text);
    expect(bg).toBe('#1a2b3c');
    expect(fg).toBe('#ffffff');
    expect(contrast(bg, fg)).toBeGreaterThanOrEqual(4.5);
  });

  it('a light colour gets dark button text; every colour reaches 4.5:1', async () => {
    for (const colour of ['#ffd43b', '#00ff00', '#777777', '#808080', '#ff0000', '#0000ff', '#ffffff', '#000000']) {
      expectStatus(await world.admin.client.patch(orgPath(), { primary_color: colour }), 200);
      const { bg, fg } = buttonColours((await loginPage()).text);
      expect(bg).toBe(colour);
      expect(contrast(bg, fg), colour).toBeGreaterThanOrEqual(4.5);
    }
    const { fg } = buttonColours((await loginPage()).text);
    expect(fg).toBe('#ffffff'); // on black
    expectStatus(await world.admin.client.patch(orgPath(), { primary_color: '#ffd43b' }), 200);
    expect(buttonColours((await loginPage()).text).fg).toBe('#000000');
  });

  it('the password page and the error pages carry the brand; an error page says what to do above the reference', async () => {
    const link = await world.admin.client.post<{ url: string }>(`${orgPath()}/users/${world.userId}/password-link`);
    const pw = await browserFetch(new CookieJar(), world.base + new URL(link.body.url).pathname + new URL(link.body.url).search);
    expect(pw.status).toBe(200);
    expect(pw.text).toContain('alt="Acme Corp"');
    expect(pw.text).toContain(SUPPORT);
    expect(pw.text).toContain('autocomplete="new-password"');

    const refused = await browserFetch(new CookieJar(), `${world.urls.sso}?SAMLRequest=garbage`);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('alt="Acme Corp"');
    expect(refused.text).toContain('The application sent a sign-in request we cannot accept');
    expect(refused.text).toMatch(/Contact support and give them the reference below/);
    expect(refused.text).toMatch(/class="action" href="https:\/\/help\.acme\.example\/"/);
    const ref = refused.headers.get('x-request-id') ?? '';
    expect(refused.text).toContain(`Reference: ${ref}`);
    expect(refused.text.indexOf('<h1>')).toBeLessThan(refused.text.indexOf('Reference:'));

    const expired = await browserFetch(new CookieJar(), `${world.base}/login?state=nope`);
    expect(expired.status).toBe(400);
    expect(expired.text).toContain('This sign-in request has expired');
  });

  it('the dead ends of an answered sign-in are branded and lead back: the reset page of its request and its spent second-factor step', async () => {
    const w = await samlWorld(srv.url);
    expectStatus(await w.admin.client.patch(`/api/organizations/${w.org}`, { display_name: 'Dead End Co', support_url: SUPPORT, mfa_policy: 'required' }), 200);
    const jar = new CookieJar();
    const first = await send('redirect', w.urls.sso, authnRequest(w.urls.sso), undefined, jar);
    const state = new URL(first.headers.get('location') ?? '', w.base).searchParams.get('state') ?? '';
    const enroll = await completeSignIn(w, jar, first);
    const codes = await post(jar, srv.url, '/login/enroll', { ...stepFields(enroll.text), code: await totpCode(setupKey(enroll.text)) });
    expect(codes.status).toBe(200);
    const step = stepFields(codes.text);
    expect((await post(jar, srv.url, '/login/continue', step)).text).toContain('SAMLResponse');
    const leadsBack = (res: FetchResult, what: string) => {
      expect(res.status, what).toBe(400);
      expect(res.text, what).toContain('Dead End Co');
      expect(res.text, what).toContain(`href="${SUPPORT}"`);
      expect(res.text, what).toContain(`Return to Service ${w.svc.slug}`);
    };
    leadsBack(await post(jar, srv.url, '/login/continue', step), 'the step continued twice');
    leadsBack(await post(jar, srv.url, '/login/factor', { ...step, method: 'totp', code: '000000' }), 'the spent step at /login/factor');
    leadsBack(await browserFetch(jar, `${srv.url}/password/forgot?state=${encodeURIComponent(state)}`), 'the reset page of the answered request');
    const stepUp = await browserFetch(jar, `${srv.url}/login/factor?state=${encodeURIComponent(state)}`);
    expect(stepUp.headers.get('location')).toBe(`/login?state=${encodeURIComponent(state)}`);
    leadsBack(await browserFetch(jar, `${srv.url}${stepUp.headers.get('location') ?? ''}`), 'the step-up page of the answered request');
  });

  it('Accept-Language fr gives French pages with lang="fr"; unsupported languages fall back to English', async () => {
    const fr = await loginPage({ 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5' });
    expect(fr.text).toContain('<html lang="fr">');
    expect(fr.text).toContain('Connexion à');
    expect(fr.text).toContain('Mot de passe');
    expect(fr.text).toContain('Contacter l’assistance');
    expect(fr.headers.get('vary')).toContain('Accept-Language');
    const err = await browserFetch(new CookieJar(), `${world.urls.sso}?SAMLRequest=garbage`, { headers: { 'accept-language': 'fr' } });
    expect(err.text).toContain('<html lang="fr">');
    expect(err.text).toContain('Référence: ');
    const de = await loginPage({ 'accept-language': 'de-DE,de;q=0.9' });
    expect(de.text).toContain('<html lang="en">');
    expect(de.text).toContain('Sign in to');
  });

  it('an organization without branding shows its name and no image (and no img-src)', async () => {
    for (const field of ['display_name', 'logo_url', 'primary_color', 'support_url']) {
      expectStatus(await world.admin.client.patch(orgPath(), { [field]: null }), 200);
    }
    const page = await loginPage();
    expect(page.text).not.toContain('<img');
    expect(page.headers.get('content-security-policy')).not.toContain('img-src');
    const org = await world.admin.client.get<OrgBody>(orgPath());
    expect(page.text).toContain(`<header class="brand"><span>${org.body.organization.name}</span></header>`);
    expect(page.text).not.toContain('<footer>');
  });
});
