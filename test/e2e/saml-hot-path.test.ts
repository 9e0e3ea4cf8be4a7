// The SSO hot path, through HTTP on every database:
// - the SAML directory (service, settings and signing key cached per instance) never serves a stale
//   view: every admin change is visible on the very next request;
// - concurrent sign-ins are group-committed and every one of them is recorded exactly as a lone one;
// - on SQLite, a sign-in while another writer holds the database lock still completes (through Prisma).
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import type { TestServer } from '../helpers/server.ts';
import { suiteServer } from '../helpers/suite.ts';
import { createService } from '../helpers/fixtures.ts';
import { expectStatus } from '../helpers/admin-plane.ts';
import {
  CookieJar,
  SP_ACS,
  SP_ENTITY,
  USER_PASSWORD,
  browserFetch,
  configureSaml,
  samlResponseFrom,
  samlWorld,
  type FetchResult,
  type SamlWorld,
} from '../helpers/saml.ts';
import { NAME_ID, NS, all, authnRequest, one, parseXml, redirectUrl, text } from '../helpers/saml-xml.ts';
import { signedInJar } from '../helpers/saml-attacks.ts';
import { HOUR_MS, floorTo } from '../../src/time-buckets.ts';

const NEW_ACS = 'http://localhost:4567/saml/acs-2';

async function sso(jar: CookieJar, ssoUrl: string, acsUrl = SP_ACS): Promise<FetchResult> {
  const req = authnRequest({ issuer: SP_ENTITY, destination: ssoUrl, acsUrl });
  return browserFetch(jar, redirectUrl(ssoUrl, req.xml));
}

function assertionOf(page: FetchResult): { nameId: string; sessionIndex: string; responseSigned: boolean; action: string } {
  const { xml, action } = samlResponseFrom(page);
  const doc = parseXml(xml);
  const root = doc.documentElement as Element;
  const responseSigned = Array.from({ length: root.childNodes.length }, (_, i) => root.childNodes.item(i)).some(
    (n) => n.nodeType === 1 && (n as Element).localName === 'Signature' && (n as Element).namespaceURI === NS.dsig,
  );
  return {
    nameId: text(one(doc, NS.assertion, 'NameID')),
    sessionIndex: one(doc, NS.assertion, 'AuthnStatement').getAttribute('SessionIndex') ?? '',
    responseSigned,
    action,
  };
}

/** Sum and count of the group-commit batch-size histogram for one writer, from /metrics. */
async function batches(srv: TestServer, writer: string): Promise<{ sum: number; count: number }> {
  const body = await (await fetch(`${srv.url}/metrics`)).text();
  const read = (what: string) => Number(new RegExp(`^tessera_group_commit_batch_size_${what}\\{writer="${writer}"\\} (\\d+)`, 'm').exec(body)?.[1] ?? 0);
  return { sum: read('sum'), count: read('count') };
}

describe.each(databases())('SSO hot path on $name', (factory) => {
  const srv = suiteServer(factory);
  let world: SamlWorld;
  const samlPath = (svc = world.svc.slug) => `/api/organizations/${world.org}/services/${svc}/saml`;

  beforeAll(async () => {
    world = await samlWorld(srv.url);
  });

  it('an admin change to the SAML settings is applied from the next request on', async () => {
    const jar = await signedInJar(world);
    const warm = assertionOf(await sso(jar, world.urls.sso));
    expect(warm.action).toBe(SP_ACS);
    expect(warm.responseSigned).toBe(true);

    expectStatus(await world.admin.client.put(samlPath(), { enabled: true, entity_id: SP_ENTITY, acs_url: NEW_ACS, sign_response: false }), 200);
    expect((await sso(jar, world.urls.sso)).status).toBe(400); // the old ACS is no longer the registered one
    const changed = assertionOf(await sso(jar, world.urls.sso, NEW_ACS));
    expect(changed.action).toBe(NEW_ACS);
    expect(changed.responseSigned).toBe(false);

    expectStatus(await world.admin.client.put(samlPath(), { enabled: true, entity_id: SP_ENTITY, acs_url: SP_ACS, sign_response: true }), 200);
    expect(assertionOf(await sso(jar, world.urls.sso)).responseSigned).toBe(true);
  });

  it('disabling SAML answers 404 at once, and enabling it again serves with a fresh key', async () => {
    const jar = await signedInJar(world);
    expect((await sso(jar, world.urls.sso)).status).toBe(200);
    expectStatus(await world.admin.client.delete(samlPath()), 200);
    expect((await sso(jar, world.urls.sso)).status).toBe(404);
    await configureSaml(world.admin, world.org, world.svc.slug);
    const cert = await world.admin.client.get<{ public_key: string }>(`${samlPath()}/certificate`);
    expect(cert.body.public_key).not.toBe(world.idpCertPem);
    expect((await sso(jar, world.urls.sso)).status).toBe(200);
  });

  it('a deleted service answers 404 at once', async () => {
    const svc = await createService(world.admin, world.org);
    await configureSaml(world.admin, world.org, svc.slug);
    const ssoUrl = `${srv.url}/saml/${world.org}/${svc.slug}/sso`;
    const jar = await signedInJar(world);
    expect((await sso(jar, ssoUrl)).status).toBe(200);
    expectStatus(await world.admin.client.delete(`/api/organizations/${world.org}/services/${svc.slug}`), 204);
    expect((await sso(jar, ssoUrl)).status).toBe(404);
  });

  it('concurrent sign-ins share commits, and each one is recorded as if alone', async () => {
    const svc = await createService(world.admin, world.org);
    await configureSaml(world.admin, world.org, svc.slug, { name_id_format: NAME_ID.persistent });
    const ssoUrl = `${srv.url}/saml/${world.org}/${svc.slug}/sso`;
    const emails = [world.userEmail];
    for (let i = 0; i < 2; i++) {
      const email = `hot-${i}-${Date.now()}@example.com`;
      expectStatus(await world.admin.client.post(`/api/organizations/${world.org}/users`, { email, password: USER_PASSWORD }), 201);
      emails.push(email);
    }
    const jars = await Promise.all(emails.map((email) => signedInJar({ ...world, userEmail: email })));
    const before = await batches(srv, 'sign_in');
    const started = new Date();
    const pages = await Promise.all(Array.from({ length: 30 }, (_, i) => sso(jars[i % 3] ?? new CookieJar(), ssoUrl)));
    const finished = new Date();
    expect(pages.map((p) => p.status)).toEqual(pages.map(() => 200));
    const results = pages.map(assertionOf);

    // One persistent NameID per user, the same in every Response, different between users.
    const perUser = emails.map((_, u) => new Set(results.filter((_r, i) => i % 3 === u).map((r) => r.nameId)));
    expect(perUser.map((s) => s.size)).toEqual([1, 1, 1]);
    expect(new Set(perUser.flatMap((s) => [...s])).size).toBe(3);

    const db = srv.deps.db;
    const service = await db.service.findFirstOrThrow({ where: { slug: svc.slug } });
    const links = await db.serviceUser.findMany({ where: { serviceId: service.id } });
    expect(links).toHaveLength(3);
    expect(new Set(links.map((l) => l.persistentNameId))).toEqual(new Set(perUser.flatMap((s) => [...s])));
    for (const l of links) {
      expect(l.lastLoginAt?.getTime()).toBeGreaterThanOrEqual(started.getTime());
      expect(l.lastLoginAt?.getTime()).toBeLessThanOrEqual(finished.getTime());
    }
    const events = await db.loginEvent.findMany({ where: { serviceId: service.id } });
    expect(events).toHaveLength(30);
    expect(events.every((e) => e.createdAt >= started && e.createdAt <= finished)).toBe(true);
    const counts = await db.loginCount.findMany({ where: { serviceId: service.id } });
    expect(counts.reduce((n, c) => n + c.count, 0)).toBe(30);
    expect(counts.every((c) => c.hour.getTime() === floorTo(HOUR_MS, c.hour).getTime())).toBe(true);
    // Every SessionIndex sent is the one Single Logout will find, with the NameID that was sent.
    const records = await db.idpSessionService.findMany({ where: { serviceId: service.id } });
    expect(new Map(records.map((r) => [r.sessionIndex, r.nameId]))).toEqual(new Map(results.map((r) => [r.sessionIndex, r.nameId])));

    const after = await batches(srv, 'sign_in');
    expect(after.sum - before.sum).toBe(30);
    expect(after.count - before.count).toBeLessThan(30); // at least one commit held several sign-ins
  });
});

// Only SQLite has a second, direct connection for the hot path, and so a lock held by the other one.
describe.each(databases().filter((d) => d.name === 'sqlite'))('SSO hot path on $name, direct connection', (factory) => {
  const srv = suiteServer(factory);
  let world: SamlWorld;
  beforeAll(async () => {
    world = await samlWorld(srv.url);
  });

  it('a sign-in while another transaction holds the write lock waits for it and succeeds', async () => {
    const jar = await signedInJar(world);
    const db = srv.deps.db;
    const org = await db.organization.findUniqueOrThrow({ where: { slug: world.org } });
    let released = 0;
    const holder = db.$transaction(async (tx) => {
      await tx.organization.update({ where: { id: org.id }, data: { name: org.name } });
      await new Promise((r) => setTimeout(r, 400));
      released = Date.now();
    });
    await new Promise((r) => setTimeout(r, 50));
    const before = await db.loginEvent.count();
    const page = await sso(jar, world.urls.sso);
    await holder;
    expect(page.status).toBe(200);
    expect(Date.now()).toBeGreaterThanOrEqual(released);
    expect(all(parseXml(samlResponseFrom(page).xml), NS.assertion, 'Assertion')).toHaveLength(1);
    expect(await db.loginEvent.count()).toBe(before + 1);
  });
});
