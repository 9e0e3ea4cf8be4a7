// Several ACS endpoints per SP (CONTRACT §14, `acs_urls`) through real HTTP: node-saml SPs posting to a
// non-default endpoint get their Response there (Destination and Recipient included); an
// AssertionConsumerServiceIndex selects an endpoint; neither → the default; an unknown index or URL is
// refused like a foreign ACS (acs_mismatch, local page, nothing sent); IdP-initiated goes to the default;
// the endpoint chosen before the sign-in page is the one the Response goes to after it.
import { describe, expect, it } from 'vitest';
import { ValidateInResponseTo } from '@node-saml/node-saml';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { nodeSamlSp, spEnd } from '../helpers/node-saml.ts';
import { CookieJar, SP_ACS, browserFetch, completeSignIn, samlResponseFrom, samlWorld, type SamlWorld } from '../helpers/saml.ts';
import { authnRequest, expectRefusedWithoutEffect, expectSignInRedirect, send, signedInJar } from '../helpers/saml-attacks.ts';
import { NS, one, parseXml } from '../helpers/saml-xml.ts';

const ACS_A = 'http://localhost:4567/saml/acs';
const ACS_B = 'http://localhost:4600/saml/acs-b';
const ACS_C = 'https://sp.example.com/acs-c';
const ENDPOINTS = [
  { url: ACS_A, binding: 'HTTP-POST', index: 0 },
  { url: ACS_B, binding: 'HTTP-POST', index: 3, is_default: true },
  { url: ACS_C, index: 7 },
];

const world = (base: string) => samlWorld(base, { acs_url: undefined, acs_urls: ENDPOINTS });

/** Where the Response went, and what it says about it. */
function delivered(page: Parameters<typeof samlResponseFrom>[0]) {
  const resp = samlResponseFrom(page);
  const doc = parseXml(resp.xml);
  return {
    resp,
    action: resp.action,
    destination: (doc.documentElement as Element).getAttribute('Destination'),
    recipient: one(doc, NS.assertion, 'SubjectConfirmationData').getAttribute('Recipient'),
  };
}

describe.each(databases())('several ACS endpoints on $name', (factory) => {
  const srv = suiteServer(factory);

  it('node-saml posting to a non-default ACS: the Response goes there, through the sign-in page, and node-saml validates it', async () => {
    const w = await world(srv.url);
    const saml = nodeSamlSp({ ...spEnd(w), acs: ACS_A });
    const jar = new CookieJar();
    const first = await browserFetch(jar, await saml.getAuthorizeUrlAsync('r-a', undefined, {}));
    expectSignInRedirect(first);
    const out = delivered(await completeSignIn(w, jar, first));
    expect([out.action, out.destination, out.recipient]).toEqual([ACS_A, ACS_A, ACS_A]);
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: out.resp.SAMLResponse, RelayState: out.resp.RelayState ?? '' });
    expect(profile?.nameID).toBe(w.userEmail);

    // Same browser, another registered endpoint: straight to it, no sign-in page.
    const samlC = nodeSamlSp({ ...spEnd(w), acs: ACS_C });
    const again = delivered(await browserFetch(jar, await samlC.getAuthorizeUrlAsync('', undefined, {})));
    expect([again.action, again.destination, again.recipient]).toEqual([ACS_C, ACS_C, ACS_C]);
    expect((await samlC.validatePostResponseAsync({ SAMLResponse: again.resp.SAMLResponse })).profile?.nameID).toBe(w.userEmail);
  });

  it('AssertionConsumerServiceIndex selects an endpoint; neither URL nor index → the default (is_default)', async () => {
    const w = await world(srv.url);
    const jar = await signedInJar(w);
    const byIndex = delivered(
      await send('redirect', w.urls.sso, authnRequest(w.urls.sso, { acs: null, attrs: ' AssertionConsumerServiceIndex="7"' }), undefined, jar),
    );
    expect([byIndex.action, byIndex.recipient]).toEqual([ACS_C, ACS_C]);
    const byBoth = delivered(
      await send('post', w.urls.sso, authnRequest(w.urls.sso, { acs: ACS_A, attrs: ' AssertionConsumerServiceIndex="0"' }), undefined, jar),
    );
    expect(byBoth.action).toBe(ACS_A);
    const neither = delivered(await send('post', w.urls.sso, authnRequest(w.urls.sso, { acs: null }), undefined, jar));
    expect([neither.action, neither.destination, neither.recipient]).toEqual([ACS_B, ACS_B, ACS_B]);
    // node-saml at the default endpoint, validating what it got.
    const samlB = nodeSamlSp({ ...spEnd(w), acs: ACS_B });
    const b = delivered(await browserFetch(jar, await samlB.getAuthorizeUrlAsync('', undefined, {})));
    expect((await samlB.validatePostResponseAsync({ SAMLResponse: b.resp.SAMLResponse })).profile?.nameID).toBe(w.userEmail);
  });

  it.each([
    ['an unknown index', { acs: null, attrs: ' AssertionConsumerServiceIndex="5"' }],
    ['an unknown URL', { acs: 'https://evil.example.com/acs' }],
    ['a registered URL with another endpoint’s index', { acs: ACS_A, attrs: ' AssertionConsumerServiceIndex="3"' }],
    ['a URL differing only by a trailing slash', { acs: `${ACS_C}/` }],
  ])('%s is refused like a foreign ACS: acs_mismatch, local page, nothing sent', async (_name, options) => {
    const w = await world(srv.url);
    for (const jar of [new CookieJar(), await signedInJar(w)]) {
      for (const binding of ['redirect', 'post'] as const) {
        const res = await expectRefusedWithoutEffect(srv, () => send(binding, w.urls.sso, authnRequest(w.urls.sso, options), undefined, jar));
        expect(res.text).toContain('acs_mismatch');
      }
    }
  });

  it('IdP-initiated sign-in goes to the default endpoint', async () => {
    const w = await world(srv.url);
    const jar = await signedInJar(w);
    const out = delivered(await browserFetch(jar, `${w.base}/saml/${w.org}/${w.svc.slug}/init`));
    expect([out.action, out.destination, out.recipient]).toEqual([ACS_B, ACS_B, ACS_B]);
    const sp = nodeSamlSp({ ...spEnd(w), acs: ACS_B }, { validateInResponseTo: ValidateInResponseTo.never });
    expect((await sp.validatePostResponseAsync({ SAMLResponse: out.resp.SAMLResponse })).profile?.nameID).toBe(w.userEmail);
  });

  it('an endpoint removed while the user is on the sign-in page gets no Response', async () => {
    const w: SamlWorld = await world(srv.url);
    const jar = new CookieJar();
    const first = await send('redirect', w.urls.sso, authnRequest(w.urls.sso, { acs: ACS_C }), undefined, jar);
    expectSignInRedirect(first);
    const path = `/api/organizations/${w.org}/services/${w.svc.slug}/saml`;
    expect((await w.admin.client.post(path, { enabled: true, entity_id: 'https://sp.example.com/metadata', acs_url: SP_ACS })).status).toBe(200);
    const page = await completeSignIn(w, jar, first);
    expect(page.status).toBe(400);
    expect(page.text).not.toContain('SAMLResponse');
  });
});
