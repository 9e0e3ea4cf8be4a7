// Interoperability: IdP-initiated SSO (GET /saml/:org/:service/init) through real HTTP, validated by
// @node-saml/node-saml configured to accept unsolicited Responses (validateInResponseTo: never). With a
// session the Response comes at once, without one after the hosted sign-in; allow_idp_initiated=false
// makes the endpoint a 404.
import { describe, expect, it } from 'vitest';
import { ValidateInResponseTo, type SAML } from '@node-saml/node-saml';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { nodeSamlSp, spEnd } from '../helpers/node-saml.ts';
import { CookieJar, SP_ACS, SP_ENTITY, browserFetch, completeSignIn, samlResponseFrom, samlWorld, type SamlWorld } from '../helpers/saml.ts';
import { expectRefused, expectSignInRedirect, signedInJar } from '../helpers/saml-attacks.ts';
import { NS, all, one, parseXml, protocolSchemaError } from '../helpers/saml-xml.ts';

/** The suites' SP, accepting unsolicited Responses unless told otherwise. */
function sp(world: SamlWorld, validateInResponseTo: ValidateInResponseTo = ValidateInResponseTo.never): SAML {
  return nodeSamlSp(spEnd(world), { validateInResponseTo });
}

const initUrl = (world: SamlWorld, relay?: string) =>
  `${world.base}/saml/${world.org}/${world.svc.slug}/init${relay === undefined ? '' : `?RelayState=${encodeURIComponent(relay)}`}`;

/** No InResponseTo anywhere: not on the Response, not on the bearer SubjectConfirmationData. */
function expectUnsolicited(xml: string): void {
  expect(protocolSchemaError(xml)).toBeNull();
  const doc = parseXml(xml);
  expect((doc.documentElement as Element).hasAttribute('InResponseTo')).toBe(false);
  expect(one(doc, NS.assertion, 'SubjectConfirmationData').hasAttribute('InResponseTo')).toBe(false);
  expect(all(doc, NS.assertion, 'Audience').map((a) => a.textContent)).toEqual([SP_ENTITY]);
}

describe.each(databases())('IdP-initiated SSO with node-saml on $name', (factory) => {
  const srv = suiteServer(factory);

  it('with a session: an unsolicited signed Response to the registered ACS, RelayState echoed; node-saml accepts it', async () => {
    const world = await samlWorld(srv.url);
    const jar = await signedInJar(world);
    const page = await browserFetch(jar, initUrl(world, '/dashboard?tab=1'));
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toContain('no-store');
    const resp = samlResponseFrom(page);
    expect(resp.action).toBe(SP_ACS);
    expect(resp.RelayState).toBe('/dashboard?tab=1');
    expectUnsolicited(resp.xml);
    const { profile } = await sp(world).validatePostResponseAsync({ SAMLResponse: resp.SAMLResponse, RelayState: resp.RelayState ?? '' });
    expect(profile?.nameID).toBe(world.userEmail);
    expect(profile?.email).toBe(world.userEmail);
    // An SP that insists on a request of its own refuses it: the Response really is unsolicited.
    await expect(sp(world, ValidateInResponseTo.always).validatePostResponseAsync({ SAMLResponse: resp.SAMLResponse })).rejects.toThrow(/InResponseTo/);
  });

  it('without a session: the sign-in page first, then the unsolicited Response with the RelayState', async () => {
    const world = await samlWorld(srv.url);
    const jar = new CookieJar();
    const first = await browserFetch(jar, initUrl(world, 'after-login'));
    expectSignInRedirect(first);
    const resp = samlResponseFrom(await completeSignIn(world, jar, first));
    expect(resp.action).toBe(SP_ACS);
    expect(resp.RelayState).toBe('after-login');
    expectUnsolicited(resp.xml);
    const { profile } = await sp(world).validatePostResponseAsync({ SAMLResponse: resp.SAMLResponse });
    expect(profile?.nameID).toBe(world.userEmail);
    // The session now exists: a second start needs no sign-in and carries no RelayState.
    const again = await browserFetch(jar, initUrl(world));
    expect(again.status).toBe(200);
    expect(samlResponseFrom(again).RelayState).toBeUndefined();
  });

  it('allow_idp_initiated=false is a 404 with or without a session and stops a sign-in already under way', async () => {
    const world = await samlWorld(srv.url);
    const jar = await signedInJar(world);
    const pendingJar = new CookieJar();
    const pending = await browserFetch(pendingJar, initUrl(world, 'x'));
    expectSignInRedirect(pending);

    const cfgPath = `/api/organizations/${world.org}/services/${world.svc.slug}/saml`;
    expect((await world.admin.client.post(cfgPath, { enabled: true, entity_id: SP_ENTITY, acs_url: SP_ACS, allow_idp_initiated: false })).status).toBe(200);
    expect((await world.admin.client.get<{ allow_idp_initiated: boolean }>(cfgPath)).body.allow_idp_initiated).toBe(false);
    expectRefused(await browserFetch(jar, initUrl(world, 'x')), 404);
    expectRefused(await browserFetch(new CookieJar(), initUrl(world)), 404);
    // The sign-in started while it was allowed does not end in an unsolicited Response.
    const finished = await completeSignIn(world, pendingJar, pending);
    expect(finished.status).toBe(400);
    expect(finished.text).not.toContain('SAMLResponse');
    // SP-initiated SSO is unaffected.
    expect(samlResponseFrom(await browserFetch(jar, await sp(world).getAuthorizeUrlAsync('', undefined, {}))).action).toBe(SP_ACS);

    expect((await world.admin.client.post(cfgPath, { enabled: true, entity_id: SP_ENTITY, acs_url: SP_ACS, allow_idp_initiated: true })).status).toBe(200);
    expect(samlResponseFrom(await browserFetch(jar, initUrl(world))).action).toBe(SP_ACS);
  });

  it('RelayState over 80 bytes or repeated: 400 locally; unknown service or SAML disabled: 404', async () => {
    const world = await samlWorld(srv.url);
    const jar = await signedInJar(world);
    expectRefused(await browserFetch(jar, initUrl(world, 'é'.repeat(41))));
    expectRefused(await browserFetch(jar, `${initUrl(world, 'a')}&RelayState=b`));
    expect(samlResponseFrom(await browserFetch(jar, initUrl(world, 'r'.repeat(80)))).RelayState).toBe('r'.repeat(80));
    expectRefused(await browserFetch(jar, `${world.base}/saml/${world.org}/no-such-service/init`), 404);
    expect((await world.admin.client.post(`/api/organizations/${world.org}/services/${world.svc.slug}/saml`, { enabled: false })).status).toBe(200);
    expectRefused(await browserFetch(jar, initUrl(world)), 404);
  });
});
