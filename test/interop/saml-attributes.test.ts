// Directory users' groups and attributes (CONTRACT §14) through the admin API, and what node-saml receives
// from them: groups as several AttributeValues, custom attributes, `name`, `mfa`, the NameID taken from an
// attribute (name_id_source), the refusal when that attribute is missing, and the AWS IAM example
// configuration of docs/saml.md and the README (Role and RoleSessionName, both from `attributes.*`).
import { describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { nodeSamlSp, spEnd } from '../helpers/node-saml.ts';
import { CookieJar, USER_PASSWORD, browserFetch, completeSignIn, samlResponseFrom, samlWorld, type FetchResult, type SamlWorld } from '../helpers/saml.ts';
import { post, setupKey, stepFields, totpCode } from '../helpers/mfa.ts';
import { expectError } from '../helpers/admin-plane.ts';
import type { Json } from '../helpers/http.ts';

const NAMEID = {
  email: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
};
const AWS_ROLE = 'https://aws.amazon.com/SAML/Attributes/Role';
const AWS_SESSION = 'https://aws.amazon.com/SAML/Attributes/RoleSessionName';

interface UserBody {
  user: { id: string; email: string; groups: string[]; attributes: Record<string, string> };
}

const userPath = (w: SamlWorld, id = w.userId) => `/api/organizations/${w.org}/users/${id}`;

async function setUser(w: SamlWorld, patch: Json): Promise<void> {
  const res = await w.admin.client.patch<UserBody>(userPath(w), patch);
  expect(res.status, res.text).toBe(200);
}

async function signIn(w: SamlWorld) {
  const saml = nodeSamlSp(spEnd(w));
  const jar = new CookieJar();
  const first = await browserFetch(jar, await saml.getAuthorizeUrlAsync('', undefined, {}));
  const page = await completeSignIn(w, jar, first);
  return { saml, page };
}

async function profileOf(w: SamlWorld) {
  const { saml, page } = await signIn(w);
  const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: samlResponseFrom(page).SAMLResponse });
  if (!profile) throw new Error('no profile');
  return profile;
}

describe.each(databases())('groups, attributes and NameID sources on $name', (factory) => {
  const srv = suiteServer(factory);

  it('the admin API stores groups and attributes, returns them in the user object, and PATCH replaces them', async () => {
    const w = await samlWorld(srv.url);
    const created = await w.admin.client.post<UserBody>(`/api/organizations/${w.org}/users`, {
      email: `attrs-${Date.now()}@example.com`,
      groups: ['admins', 'eng', 'admins'],
      attributes: { department: 'R&D', employee_id: 'E-42' },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.user.groups).toEqual(['admins', 'eng']);
    expect(created.body.user.attributes).toEqual({ department: 'R&D', employee_id: 'E-42' });
    const patched = await w.admin.client.patch<UserBody>(userPath(w, created.body.user.id), { groups: ['ops'] });
    expect(patched.body.user).toMatchObject({ groups: ['ops'], attributes: { department: 'R&D', employee_id: 'E-42' } });
    const read = await w.admin.client.get<UserBody>(userPath(w, created.body.user.id));
    expect(read.body.user.groups).toEqual(['ops']);
    const list = await w.admin.client.get<{ users: UserBody['user'][] }>(`/api/organizations/${w.org}/users`);
    expect(list.body.users.find((u) => u.id === w.userId)).toMatchObject({ groups: [], attributes: {} });
  });

  it.each([
    ['51 groups', { groups: Array.from({ length: 51 }, (_, i) => `g${i}`) }, 'groups'],
    ['an empty group', { groups: [' '] }, 'groups'],
    ['a group over 256 characters', { groups: ['g'.repeat(257)] }, 'groups'],
    ['a group with a control character', { groups: ['a\u0001b'] }, 'groups'],
    ['a group with U+FFFF, which XML does not allow', { groups: ['\uFFFF'] }, 'groups'],
    ['an attribute value with U+FFFE', { attributes: { department: 'y\uFFFEz' } }, 'attributes'],
    ['an attribute value with an unpaired surrogate', { attributes: { department: 'a\uD800b' } }, 'attributes'],
    ['51 attributes', { attributes: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`a${i}`, 'v'])) }, 'attributes'],
    ['an attribute name with a space', { attributes: { 'first name': 'x' } }, 'attributes'],
    ['an attribute name over 64 characters', { attributes: { ['a'.repeat(65)]: 'x' } }, 'attributes'],
    ['an attribute value over 2048 characters', { attributes: { a: 'v'.repeat(2049) } }, 'attributes'],
    ['a non-string attribute value', { attributes: { a: 1 } }, 'attributes'],
  ])('%s is a 400 naming the field, nothing stored', async (_name, patch, field) => {
    const w = await samlWorld(srv.url);
    const body = expectError(await w.admin.client.patch(userPath(w), patch), 400);
    expect((body.details ?? []).map((d) => d.field).join(',')).toContain(field);
    const read = await w.admin.client.get<UserBody>(userPath(w));
    expect(read.body.user).toMatchObject({ groups: [], attributes: {} });
  });

  it('node-saml receives groups as several AttributeValues, custom attributes, name and mfa', async () => {
    const w = await samlWorld(srv.url, {
      attribute_mapping: {
        email: 'email',
        groups: 'memberOf',
        'attributes.department': 'department',
        name: 'displayName',
        mfa: 'mfa',
        'attributes.absent': 'never',
      },
    });
    await setUser(w, { groups: ['admins', 'eng & ops', '<sales>'], attributes: { department: 'R&D "west"', given_name: 'Ada', family_name: 'Lovelace' } });
    const profile = await profileOf(w);
    expect(profile.memberOf).toEqual(['admins', 'eng & ops', '<sales>']);
    expect(profile.department).toBe('R&D "west"');
    expect(profile.displayName).toBe('Ada Lovelace');
    expect(profile.mfa).toBe('false');
    expect(profile.never).toBeUndefined();
    // `name` prefers the user's own `name` attribute.
    await setUser(w, { attributes: { name: 'Countess of Lovelace', given_name: 'Ada' } });
    expect((await profileOf(w)).displayName).toBe('Countess of Lovelace');
  });

  it('mfa is "true" at node-saml after a sign-in that passed a TOTP second factor, "false" before it', async () => {
    const w = await samlWorld(srv.url, { attribute_mapping: { email: 'email', mfa: 'mfa' } });
    // node-saml asks for PasswordProtectedTransport exactly by default; no RequestedAuthnContext lets
    // Tessera answer at the level the session reached.
    const sp = nodeSamlSp(spEnd(w), { disableRequestedAuthnContext: true });
    const validated = async (page: FetchResult) => {
      const { profile } = await sp.validatePostResponseAsync({ SAMLResponse: samlResponseFrom(page).SAMLResponse });
      expect(profile?.nameID).toBe(w.userEmail);
      return profile;
    };
    const passwordOnly = new CookieJar();
    expect(
      (await validated(await completeSignIn(w, passwordOnly, await browserFetch(passwordOnly, await sp.getAuthorizeUrlAsync('', undefined, {})))))?.mfa,
    ).toBe('false');

    // The user enrolls a TOTP factor on the hosted account page, in a browser of their own.
    const account = new CookieJar();
    const { csrf } = stepFields((await browserFetch(account, `${srv.url}/account?org=${w.org}`)).text);
    expect((await post(account, srv.url, '/account/login', { csrf, org: w.org, email: w.userEmail, password: USER_PASSWORD })).status).toBe(302);
    const start = await post(account, srv.url, '/account/totp/start', { csrf, org: w.org });
    const secret = setupKey(start.text);
    const confirm = { csrf, org: w.org, token: stepFields(start.text).token, code: await totpCode(secret) };
    expect((await post(account, srv.url, '/account/totp/confirm', confirm)).status).toBe(200);

    // A fresh browser: the password, then the factor Tessera now asks for, then the Response.
    const jar = new CookieJar();
    const afterPassword = await completeSignIn(w, jar, await browserFetch(jar, await sp.getAuthorizeUrlAsync('', undefined, {})));
    // The factor page, in answer to the password: no Response yet.
    expect(afterPassword.status).toBe(200);
    expect(afterPassword.text).toContain('name="method" value="totp"');
    expect(afterPassword.text).not.toContain('SAMLResponse');
    const factor = afterPassword;
    const answered = await post(jar, srv.url, '/login/factor', {
      ...stepFields(factor.text),
      method: 'totp',
      code: await totpCode(secret, Date.now() + 30_000),
    });
    expect((await validated(answered))?.mfa).toBe('true');
  });

  it.each([
    ['unspecified', NAMEID.unspecified],
    ['emailAddress', NAMEID.email],
  ])('name_id_source attributes.<name> with the %s format: the NameID is the attribute', async (_name, format) => {
    const w = await samlWorld(srv.url, { name_id_format: format, name_id_source: 'attributes.employee_id' });
    await setUser(w, { attributes: { employee_id: 'E-1001' } });
    const profile = await profileOf(w);
    expect(profile.nameID).toBe('E-1001');
    expect(profile.nameIDFormat).toBe(format);
  });

  it('name_id_source id with emailAddress, and the format defaults when it is null', async () => {
    const w = await samlWorld(srv.url, { name_id_source: 'id' });
    expect((await profileOf(w)).nameID).toBe(w.userId);
    const path = `/api/organizations/${w.org}/services/${w.svc.slug}/saml`;
    expect(
      (
        await w.admin.client.post(path, {
          enabled: true,
          entity_id: 'https://sp.example.com/metadata',
          acs_url: 'http://localhost:4567/saml/acs',
          name_id_source: null,
        })
      ).status,
    ).toBe(200);
    expect((await profileOf(w)).nameID).toBe(w.userEmail);
  });

  it('a user without the name_id_source attribute is refused at sign-in (403 name_id_unavailable), no Response, no login recorded', async () => {
    const w = await samlWorld(srv.url, { name_id_format: NAMEID.unspecified, name_id_source: 'attributes.employee_id' });
    const before = await srv.deps.db.loginEvent.count();
    const saml = nodeSamlSp(spEnd(w));
    const jar = new CookieJar();
    const page = await completeSignIn(w, jar, await browserFetch(jar, await saml.getAuthorizeUrlAsync('', undefined, {})));
    expect(page.status).toBe(403);
    expect(page.text).toContain('name_id_unavailable');
    expect(page.text).not.toContain('SAMLResponse');
    expect(await srv.deps.db.loginEvent.count()).toBe(before);
    // The refusal is the sign-in's recorded outcome (CONTRACT §12), found by the page's reference and
    // naming the user: after the hosted password (flow login), and again with the session (flow sso).
    const again = await browserFetch(jar, await saml.getAuthorizeUrlAsync('', undefined, {}));
    expect(again.status).toBe(403);
    for (const [refused, flow] of [
      [page, 'login'],
      [again, 'sso'],
    ] as const) {
      const reference = refused.headers.get('x-request-id') ?? '';
      expect(refused.text).toContain(`Reference: ${reference}`);
      const rows = await w.admin.client.get<{ sign_ins: Record<string, unknown>[] }>(
        `/api/organizations/${w.org}/sign-ins?request_id=${encodeURIComponent(reference)}`,
      );
      expect(rows.body.sign_ins).toMatchObject([{ outcome: 'refused', reason: 'name_id_unavailable', flow, user_id: w.userId, email: w.userEmail }]);
    }
    expect(srv.logs.some((l) => l.includes('"reason":"name_id_unavailable"') && l.includes('"flow":"login"'))).toBe(true);
  });

  it.each([
    ['name_id_source with a persistent format', { name_id_format: NAMEID.persistent, name_id_source: 'email' }, 'name_id_source'],
    ['name_id_source with an unknown source', { name_id_source: 'phone' }, 'name_id_source'],
    ['name_id_source with an attribute source with a bad name', { name_id_source: 'attributes.bad name' }, 'name_id_source'],
    // Characters XML does not allow: the Response would be no XML at all.
    ['an attribute name with a control character', { attribute_mapping: { email: 'm\u0001' } }, 'attribute_mapping'],
    ['an entity_id with U+FFFE', { entity_id: 'https://sp.example.com/\uFFFE' }, 'entity_id'],
    ['an acs_url with U+FFFE', { acs_url: 'https://sp.example.com/acs\uFFFE' }, 'acs_url'],
    ['an acs_url with a newline inside', { acs_url: 'https://sp.example.com/ac\ns' }, 'acs_url'],
  ])('%s is a 400 naming the field', async (_name, config, field) => {
    const w = await samlWorld(srv.url);
    const path = `/api/organizations/${w.org}/services/${w.svc.slug}/saml`;
    const res = await w.admin.client.post(path, {
      enabled: true,
      entity_id: 'https://sp.example.com/metadata',
      acs_url: 'http://localhost:4567/saml/acs',
      ...config,
    });
    expect((expectError(res, 400).details ?? []).map((d) => d.field).join(',')).toContain(field);
  });

  it('an acs_url with spaces around it is stored trimmed', async () => {
    const w = await samlWorld(srv.url);
    const path = `/api/organizations/${w.org}/services/${w.svc.slug}/saml`;
    const res = await w.admin.client.post(path, { enabled: true, entity_id: 'https://sp.example.com/metadata', acs_url: ' https://sp.example.com/acs ' });
    expect(res.status, res.text).toBe(200);
    expect((await w.admin.client.get<{ acs_url: string }>(path)).body.acs_url).toBe('https://sp.example.com/acs');
  });

  it('a user with no groups gets no memberOf Attribute at all, not an empty one', async () => {
    const w = await samlWorld(srv.url, { attribute_mapping: { email: 'email', groups: 'memberOf' } });
    await setUser(w, { groups: [] });
    const { page } = await signIn(w);
    const { xml } = samlResponseFrom(page);
    expect(xml).toContain('Name="email"');
    expect(xml).not.toContain('memberOf');
  });

  it('an unknown attribute_mapping source is still a 400', async () => {
    const w = await samlWorld(srv.url);
    const path = `/api/organizations/${w.org}/services/${w.svc.slug}/saml`;
    const res = await w.admin.client.post(path, {
      enabled: true,
      entity_id: 'https://sp.example.com/metadata',
      acs_url: 'http://localhost:4567/saml/acs',
      attribute_mapping: { phone: 'p' },
    });
    expectError(res, 400);
  });

  it("the AWS IAM example (docs/saml.md, README): Role and RoleSessionName from the user's attributes, persistent NameID; node-saml reads both", async () => {
    const role = 'arn:aws:iam::123456789012:role/TesseraAdmin,arn:aws:iam::123456789012:saml-provider/Tessera';
    const w = await samlWorld(srv.url, {
      name_id_format: NAMEID.persistent,
      attribute_mapping: { 'attributes.aws_role': AWS_ROLE, 'attributes.aws_session_name': AWS_SESSION },
    });
    await setUser(w, { attributes: { aws_role: role, aws_session_name: 'ada.lovelace' } });
    const { saml, page } = await signIn(w);
    const resp = samlResponseFrom(page);
    expect(resp.xml).toContain(`Name="${AWS_ROLE}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"`);
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: resp.SAMLResponse });
    expect(profile?.[AWS_ROLE]).toBe(role);
    expect(profile?.[AWS_SESSION]).toBe('ada.lovelace');
    expect(profile?.nameID).toMatch(/^tsr-/);
  });
});
