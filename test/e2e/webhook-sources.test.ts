// Events fire from the sign-in paths (docs/api.md, Webhooks): an SSO sign-in sends user.signed_in
// (written in the sign-in's group commit), a wrong password on the hosted page and a refused SAML
// request send sign_in.refused. Every delivery is verified with the `standardwebhooks` package.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { CookieJar, USER_PASSWORD, completeSignIn, samlResponseFrom, samlWorld, type SamlWorld } from '../helpers/saml.ts';
import { post, stepFields } from '../helpers/mfa.ts';
import { uniqueEmail } from '../helpers/http.ts';
import { authnRequest, redirectQuery, sendRedirect } from '../helpers/saml-attacks.ts';
import { expectStatus } from '../helpers/admin-plane.ts';
import { Receiver } from '../helpers/webhook-receiver.ts';

describe.each(databases())('webhook events from sign-ins on $name', (factory) => {
  const srv = suiteServer(factory, { TESSERA_WEBHOOKS_ALLOW_PRIVATE: 'true' });
  let world: SamlWorld;
  let receiver: Receiver;

  beforeAll(async () => {
    world = await samlWorld(srv.url);
    receiver = await Receiver.start();
    const res = await world.admin.client.post<{ secret: string }>(`/api/organizations/${world.org}/webhooks`, { url: receiver.url, events: ['*'] });
    expectStatus(res, 201);
    receiver.secrets = [res.body.secret];
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('an SSO sign-in sends user.signed_in, then a second one from the session sends another', async () => {
    const jar = new CookieJar();
    const first = await sendRedirect(world.urls.sso, redirectQuery(authnRequest(world.urls.sso)), jar);
    samlResponseFrom(await completeSignIn(world, jar, first));
    await receiver.waitFor(() => receiver.of('user.signed_in').length === 1, 'user.signed_in');
    // From the IdP session this time: no sign-in page, the same group commit.
    samlResponseFrom(await sendRedirect(world.urls.sso, redirectQuery(authnRequest(world.urls.sso)), jar));
    await receiver.waitFor(() => receiver.of('user.signed_in').length === 2, 'the second user.signed_in');
    for (const hit of receiver.of('user.signed_in')) {
      expect(hit.verifiedBy).toEqual([0]);
      expect(hit.data).toMatchObject({ organization: { slug: world.org }, user: { id: world.userId, email: world.userEmail }, service: world.svc });
      expect(hit.data.event_id).toBe(hit.id);
    }
    expect(new Set(receiver.of('user.signed_in').map((h) => h.id)).size).toBe(2);
  });

  it('a wrong password on the hosted page and a refused SAML request send sign_in.refused with the reason', async () => {
    const jar = new CookieJar();
    const first = await sendRedirect(world.urls.sso, redirectQuery(authnRequest(world.urls.sso)), jar);
    const page = await completeSignIn(world, jar, first, 'not the password at all');
    expect(page.status).toBe(401);
    const bad = await sendRedirect(world.urls.sso, redirectQuery(authnRequest(world.urls.sso, { acs: 'https://evil.example/acs' })));
    expect(bad.status).toBe(400);
    // Answered to the SP with a NoPassive status rather than refused with a page: an event all the same.
    const passive = await sendRedirect(world.urls.sso, redirectQuery(authnRequest(world.urls.sso, { attrs: ' IsPassive="true"' })));
    expect(passive.status).toBe(200);
    await receiver.waitFor(() => receiver.of('sign_in.refused').length === 3, 'three sign_in.refused');
    expect(receiver.of('sign_in.refused').find((h) => h.data.reason === 'no_passive')?.data).toMatchObject({
      stage: 'saml_request',
      service: world.svc,
      request_id: passive.headers.get('x-request-id'),
    });
    const password = receiver.of('sign_in.refused').find((h) => h.data.stage === 'sign_in_page');
    // Found by reason: the no_passive event is of stage saml_request too, and deliveries may arrive in either order.
    const request = receiver.of('sign_in.refused').find((h) => h.data.reason === 'acs_mismatch');
    expect(password?.data).toMatchObject({ reason: 'wrong_password', stage: 'sign_in_page', email: world.userEmail, user_id: world.userId });
    expect(request?.data).toMatchObject({ reason: 'acs_mismatch', stage: 'saml_request', service: world.svc });
    expect(JSON.stringify(password?.data)).not.toContain('not the password');
  });

  it('a wrong code at the second-factor step of a SAML sign-in sends sign_in.refused of stage second_factor', async () => {
    const email = uniqueEmail('webhook-mfa');
    const user = await world.admin.client.post<{ user: { id: string } }>(`/api/organizations/${world.org}/users`, { email, password: USER_PASSWORD });
    expectStatus(user, 201);
    expectStatus(await world.admin.client.patch(`/api/organizations/${world.org}`, { mfa_policy: 'required' }), 200);
    try {
      const jar = new CookieJar();
      const first = await sendRedirect(world.urls.sso, redirectQuery(authnRequest(world.urls.sso)), jar);
      const enroll = await completeSignIn(world, jar, first, USER_PASSWORD, email);
      expect((await post(jar, srv.url, '/login/enroll', { ...stepFields(enroll.text), code: '000000' })).status).toBe(401);
    } finally {
      expectStatus(await world.admin.client.patch(`/api/organizations/${world.org}`, { mfa_policy: 'optional' }), 200);
    }
    await receiver.waitFor(() => receiver.of('sign_in.refused').some((h) => h.data.stage === 'second_factor'), 'the second factor refusal');
    const hit = receiver.of('sign_in.refused').find((h) => h.data.stage === 'second_factor');
    expect(hit?.data).toMatchObject({ reason: 'mfa_failed', service: world.svc, email, user_id: user.body.user.id });
    expect(JSON.stringify(hit?.data)).not.toContain('000000');
  });
});
