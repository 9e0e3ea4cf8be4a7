// Issue 14 item 1 / docs/security.md, attack 39 / docs/api.md, Service API: a service's API key never changes or removes an identity
// that is not its own service's alone. One organization, services A (attacker's key) and B (SAML); the
// attack is performed through real HTTP, including the sign-in at B that it used to make possible.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { Client, uniqueEmail } from '../helpers/http.ts';
import { createKey, createService } from '../helpers/fixtures.ts';
import {
  CookieJar,
  SP_ENTITY,
  USER_PASSWORD,
  browserFetch,
  completeSignIn,
  samlResponseFrom,
  samlWorld,
  hiddenInput,
  type FetchResult,
  type SamlWorld,
} from '../helpers/saml.ts';
import { authnRequest, redirectUrl } from '../helpers/saml-xml.ts';
import { expectError, provisionUser, type ApiUser } from '../helpers/service-api.ts';

const ATTACKER_PASSWORD = 'attacker knows this one 77';
interface DirectoryUser {
  id: string;
  email: string;
  has_password: boolean;
}

describe.each(databases())('identity confinement of Service API keys on $name', (factory) => {
  const srv = suiteServer(factory);
  let world: SamlWorld; // service B: SAML, with the victim (a directory user with a password)
  let serviceA: { slug: string; id: string };
  let writer: Client; // A's key: write:users only
  let deleter: Client; // A's key: write:users + delete:users + read:users
  let keyOfB: Client;

  const users = (suffix = '') => `/api/organizations/${world.org}/users${suffix}`;
  const directoryUser = async (id: string) => world.admin.client.get<{ user: DirectoryUser }>(users(`/${id}`));
  async function adminCreates(email: string, password?: string): Promise<DirectoryUser> {
    const res = await world.admin.client.post<{ user: DirectoryUser }>(users(), { email, ...(password ? { password } : {}) });
    expect(res.status, res.text).toBe(201);
    return res.body.user;
  }
  async function signInAtB(email: string, password: string): Promise<FetchResult> {
    const jar = new CookieJar();
    const first = await browserFetch(jar, redirectUrl(world.urls.sso, authnRequest({ issuer: SP_ENTITY }).xml));
    return completeSignIn(world, jar, first, password, email);
  }
  function nameIdOf(page: FetchResult): string {
    const m = /<saml:NameID[^>]*>([^<]*)<\/saml:NameID>/.exec(samlResponseFrom(page).xml);
    return m?.[1] ?? '';
  }

  beforeAll(async () => {
    world = await samlWorld(srv.url);
    serviceA = await createService(world.admin, world.org);
    writer = new Client(srv.url).apiKey((await createKey(world.admin, world.org, serviceA.slug, ['write:users'])).key);
    deleter = new Client(srv.url).apiKey((await createKey(world.admin, world.org, serviceA.slug, ['read:users', 'write:users', 'delete:users'])).key);
    const b = await world.admin.client.get<{ service: { slug: string } }>(`/api/organizations/${world.org}/services/${world.svc.slug}`);
    keyOfB = new Client(srv.url).apiKey((await createKey(world.admin, world.org, b.body.service.slug, ['read:users', 'write:users'])).key);
  });

  it("the takeover sequence is refused at its first PATCH, and B's sign-in stays the victim's", async () => {
    // The victim has signed in to B (so B is linked) with their own password.
    expect(nameIdOf(await signInAtB(world.userEmail, USER_PASSWORD))).toBe(world.userEmail);
    const attacker = await adminCreates(uniqueEmail('attacker'), ATTACKER_PASSWORD);

    // Linking B's user to A is allowed (POST is idempotent on email) and changes nothing…
    const victimAtA = await provisionUser(writer, world.userEmail);
    expect(victimAtA.id).toBe(world.userId);
    // …but renaming it is not: the first step of the takeover.
    expectError(await writer.patch(`/api/service/users/${world.userId}`, { email: uniqueEmail('moved') }), 409, 'CONFLICT', /organization directory/);
    // Nor giving the attacker's password-holding identity the victim's email (it is taken, and not A's alone).
    await provisionUser(writer, attacker.email);
    expectError(await writer.patch(`/api/service/users/${attacker.id}`, { email: world.userEmail }), 409, 'CONFLICT');
    expectError(await writer.patch(`/api/service/users/${attacker.id}`, { email: uniqueEmail('fresh') }), 409, 'CONFLICT');

    expect((await directoryUser(world.userId)).body.user.email).toBe(world.userEmail);
    expect((await directoryUser(attacker.id)).body.user.email).toBe(attacker.email);
    // Signing in to B as the victim with the attacker's password yields no Response at all…
    const forged = await signInAtB(world.userEmail, ATTACKER_PASSWORD);
    expect(hiddenInput(forged.text, 'SAMLResponse')).toBeUndefined();
    // …and the victim still signs in as themselves.
    expect(nameIdOf(await signInAtB(world.userEmail, USER_PASSWORD))).toBe(world.userEmail);
  });

  it("DELETE with A's key removes only A's data of an admin-created user, never the directory user", async () => {
    const withPassword = await adminCreates(uniqueEmail('dir'), 'directory password 123');
    const withoutPassword = await adminCreates(uniqueEmail('dir-nopw'));
    for (const u of [withPassword, withoutPassword]) {
      await provisionUser(deleter, u.email);
      expect((await deleter.delete(`/api/service/users/${u.id}`)).status).toBe(204);
      // Gone for A…
      expectError(await deleter.get(`/api/service/users/${u.id}`), 404, 'NOT_FOUND');
      // …kept, unchanged, for the organization.
      const kept = await directoryUser(u.id);
      expect(kept.status).toBe(200);
      expect(kept.body.user.email).toBe(u.email);
      expect(kept.body.user.has_password).toBe(u.has_password);
    }
    // The victim (linked to B) too.
    await provisionUser(deleter, world.userEmail);
    expect((await deleter.delete(`/api/service/users/${world.userId}`)).status).toBe(204);
    expect((await directoryUser(world.userId)).status).toBe(200);
    expect((await keyOfB.get(`/api/service/users/${world.userId}`)).status).toBe(200);
    expect(nameIdOf(await signInAtB(world.userEmail, USER_PASSWORD))).toBe(world.userEmail);
  });

  it('a user A created becomes shared once another service knows it: then 409, and DELETE keeps it', async () => {
    // Shared through B's key.
    const viaKey = await provisionUser(writer, uniqueEmail('a-made'));
    await provisionUser(keyOfB, viaKey.email);
    expectError(await writer.patch(`/api/service/users/${viaKey.id}`, { email: uniqueEmail('x') }), 409, 'CONFLICT');
    expect((await deleter.delete(`/api/service/users/${viaKey.id}`)).status).toBe(204);
    expect((await directoryUser(viaKey.id)).status).toBe(200);
    expect((await keyOfB.get<ApiUser>(`/api/service/users/${viaKey.id}`)).body.email).toBe(viaKey.email);
  });

  it('a user A created who later gets a password and signs in through B is shared: 409', async () => {
    const made = await provisionUser(writer, uniqueEmail('a-made-signs-in'));
    // The organization gives them a password (the hosted /password page), and they sign in to B.
    const link = await world.admin.client.post<{ url: string }>(users(`/${made.id}/password-link`));
    expect(link.status).toBe(201);
    const token = new URL(link.body.url).searchParams.get('token') ?? '';
    const password = 'their own password 2026';
    const set = await fetch(`${srv.url}/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, password, confirm: password }).toString(),
    });
    expect(set.status).toBe(200);
    expect(nameIdOf(await signInAtB(made.email, password))).toBe(made.email);
    expectError(await writer.patch(`/api/service/users/${made.id}`, { email: uniqueEmail('y') }), 409, 'CONFLICT');
    expect((await deleter.delete(`/api/service/users/${made.id}`)).status).toBe(204);
    expect(nameIdOf(await signInAtB(made.email, password))).toBe(made.email);
  });

  it("A's own unshared, password-less user: the email changes, and DELETE removes the record", async () => {
    const own = await provisionUser(writer, uniqueEmail('own'));
    const moved = uniqueEmail('own-moved');
    const res = await writer.patch<ApiUser>(`/api/service/users/${own.id}`, { email: moved });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ id: own.id, email: moved });
    expect((await directoryUser(own.id)).body.user.email).toBe(moved);
    expect((await deleter.delete(`/api/service/users/${own.id}`)).status).toBe(204);
    expectError(await world.admin.client.get(users(`/${own.id}`)), 404, 'NOT_FOUND');
  });
  it('racing a rename by A against B linking the same user never leaves B holding a renamed user', async () => {
    // The lock before the filter (users.ts lockUser): without it, on PostgreSQL, B's link could commit
    // unseen by A's rename. Whatever the interleaving, either A's rename is refused or B never linked
    // the user A renamed.
    for (let round = 0; round < 12; round++) {
      const email = uniqueEmail(`race${round}`);
      const own = await provisionUser(writer, email);
      const moved = uniqueEmail(`race${round}-moved`);
      const [patch, link] = await Promise.all([
        writer.patch<ApiUser>(`/api/service/users/${own.id}`, { email: moved }),
        keyOfB.post<ApiUser>('/api/service/users', { email }),
      ]);
      expect([200, 409]).toContain(patch.status);
      expect(link.status).toBe(200);
      const row = await srv.deps.db.user.findUnique({ where: { id: own.id }, include: { serviceLinks: true } });
      const linkedToB = row?.serviceLinks.some((l) => l.serviceId === world.svc.id) ?? false;
      expect(linkedToB && row?.email !== email, `round ${round}: B holds the user A renamed`).toBe(false);
      if (patch.status === 200) expect(link.body.id === own.id && linkedToB).toBe(false);
    }
  });
});
