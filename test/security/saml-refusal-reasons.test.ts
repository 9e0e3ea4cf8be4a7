// Every refusal of the SSO, IdP-initiated and SLO endpoints carries a stable reason code (docs/api.md),
// provoked here through real HTTP, and the code is the same in the three places it is used: the JSON
// error body (`reason`) and the HTML error page ("Reason: …" beside "Reference: <request id>"), the one
// warn log line of the refusal (with what came and what is configured for Issuer, ACS and
// Destination), and /metrics (tessera_sso_outcomes_total / tessera_slo_outcomes_total by reason).
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { type TestServer } from '../helpers/server.ts';
import { CookieJar, SP_ACS, SP_ENTITY, browserFetch, samlWorld, type FetchResult, type SamlWorld } from '../helpers/saml.ts';
import {
  ALG,
  EVIL_ACS,
  NS,
  addSamlService,
  authnRequest,
  base64,
  expectRefused,
  expectSignInRedirect,
  generateKeyPair,
  newRequestId,
  redirectQuery,
  sendPost,
  sendRedirect,
  signedRedirectQuery,
  type KeyPair,
} from '../helpers/saml-attacks.ts';
import { logoutRequest, sloOf, type Principal } from '../helpers/saml-logout.ts';
import { NAME_ID } from '../helpers/saml-xml.ts';
import { SSO_STEPS } from '../../src/saml/pipeline/index.ts';
import { LOGOUT_REQUEST_STEPS, LOGOUT_RESPONSE_STEPS } from '../../src/saml/pipeline/logout.ts';

const SIGNED_SP = 'https://signed-sp.example.com/metadata';
const NO_INIT_SP = 'https://no-init-sp.example.com/metadata';
const OTHER_ISSUER = 'https://not-this-sp.example.com/metadata';
const JSON_ACCEPT = 'application/json';
/** Nobody the IdP signed in: a LogoutRequest for it is verified, then matches no session. */
const NOBODY: Principal = { nameId: 'nobody@example.com', nameIdFormat: NAME_ID.email, sessionIndex: '_never-issued' };

interface Fixture {
  srv: TestServer;
  world: SamlWorld;
  sso: string;
  slo: string;
  /** want_authn_requests_signed with the SP certificate. */
  signedSso: string;
  noInitSso: string;
  sp: KeyPair;
  attacker: KeyPair;
  /** Already accepted once: every later send is a replay. */
  usedAuthnRequest: string;
  usedLogoutRequest: string;
  /** Every SAML message sent, for the log check. */
  sent: string[];
}

type Send = (accept?: string) => Promise<FetchResult>;
interface Case {
  send: Send;
  status?: number;
  metric?: 'slo';
  values?: { received: string; expected?: string };
}

/** `xml` as a function: a new message for every send (one that passes the replay step cannot be sent twice). */
function post(f: Fixture, url: string, xml: string | (() => string), field = 'SAMLRequest', extra: Record<string, string> = {}): Send {
  return (accept) => {
    const value = base64(typeof xml === 'string' ? xml : xml());
    f.sent.push(value);
    return sendPost(url, { [field]: value, ...extra }, new CookieJar(), accept);
  };
}

function redirect(f: Fixture, url: string, query: string): Send {
  const raw = /(?:^|&)SAMLRequest=([^&]*)/.exec(query)?.[1];
  if (raw) f.sent.push(decodeURIComponent(raw));
  return (accept) => sendRedirect(url, query, new CookieJar(), accept);
}

function logoutResponse(slo: string, inResponseTo: string): string {
  return (
    `<samlp:LogoutResponse xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${newRequestId()}" Version="2.0"` +
    ` IssueInstant="${new Date().toISOString()}" Destination="${slo}" InResponseTo="${inResponseTo}">` +
    `<saml:Issuer>${SP_ENTITY}</saml:Issuer>` +
    '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>' +
    '</samlp:LogoutResponse>'
  );
}

const minutes = (n: number) => new Date(Date.now() + n * 60_000);

/** [case name, reason code, how to provoke it]. */
const CASES: [string, string, (f: Fixture) => Case][] = [
  [
    'SAMLRequest that is not base64',
    'malformed_request',
    (f) => ({ send: (accept) => sendPost(f.sso, { SAMLRequest: '%%% not base64 %%%' }, new CookieJar(), accept) }),
  ],
  [
    'SAMLRequest over the 128 KiB POST limit',
    'request_too_large',
    (f) => ({ send: (accept) => sendPost(f.sso, { SAMLRequest: 'A'.repeat(129 * 1024) }, new CookieJar(), accept) }),
  ],
  ['a DOCTYPE', 'dtd_forbidden', (f) => ({ send: post(f, f.sso, `<!DOCTYPE samlp:AuthnRequest [<!ENTITY x "y">]>${authnRequest(f.sso)}`) })],
  ['an IssueInstant that is no xs:dateTime', 'schema_invalid', (f) => ({ send: post(f, f.sso, authnRequest(f.sso, { issueInstant: 'yesterday' })) })],
  [
    'another Issuer',
    'unknown_issuer',
    (f) => ({ send: post(f, f.sso, authnRequest(f.sso, { issuer: OTHER_ISSUER })), values: { received: OTHER_ISSUER, expected: SP_ENTITY } }),
  ],
  [
    'another ACS URL',
    'acs_mismatch',
    (f) => ({ send: post(f, f.sso, authnRequest(f.sso, { acs: EVIL_ACS })), values: { received: EVIL_ACS, expected: SP_ACS } }),
  ],
  [
    'the HTTP-Artifact response binding',
    'unsupported_binding',
    (f) => ({ send: post(f, f.sso, authnRequest(f.sso).replace('bindings:HTTP-POST', 'bindings:HTTP-Artifact')) }),
  ],
  [
    'another Destination',
    'destination_mismatch',
    (f) => ({ send: post(f, f.sso, authnRequest(f.sso, { destination: f.slo })), values: { received: f.slo, expected: f.sso } }),
  ],
  ['IssueInstant 10 minutes old', 'expired_request', (f) => ({ send: post(f, f.sso, authnRequest(f.sso, { issueInstant: minutes(-10) })) })],
  ['IssueInstant 10 minutes ahead', 'future_request', (f) => ({ send: post(f, f.sso, authnRequest(f.sso, { issueInstant: minutes(10) })) })],
  ['an AuthnRequest sent again', 'replayed_request', (f) => ({ send: post(f, f.sso, f.usedAuthnRequest) })],
  ['RelayState of 81 bytes', 'relay_state_too_long', (f) => ({ send: post(f, f.sso, authnRequest(f.sso), 'SAMLRequest', { RelayState: 'r'.repeat(81) }) })],
  [
    'a service that does not exist',
    'unknown_service',
    (f) => ({ status: 404, send: post(f, f.sso.replace(/\/[^/]+\/sso$/, '/no-such-service/sso'), authnRequest(f.sso)) }),
  ],
  [
    '/init where IdP-initiated sign-in is off',
    'idp_initiated_disabled',
    (f) => ({ status: 404, send: (accept) => sendRedirect(f.noInitSso.replace(/\/sso$/, '/init'), 'RelayState=x', new CookieJar(), accept) }),
  ],
  [
    'unsigned where signing is required',
    'unsigned_request',
    (f) => ({ send: redirect(f, f.signedSso, redirectQuery(authnRequest(f.signedSso, { issuer: SIGNED_SP }))) }),
  ],
  [
    'signed with another key',
    'bad_signature',
    (f) => ({ send: redirect(f, f.signedSso, signedRedirectQuery(authnRequest(f.signedSso, { issuer: SIGNED_SP }), f.attacker.privateKey)) }),
  ],
  [
    'RSA-SHA1',
    'weak_algorithm',
    (f) => ({
      send: redirect(
        f,
        f.signedSso,
        signedRedirectQuery(authnRequest(f.signedSso, { issuer: SIGNED_SP }), f.sp.privateKey, { sigAlg: ALG.rsaSha1, hash: 'sha1' }),
      ),
      values: { received: ALG.rsaSha1 },
    }),
  ],
  [
    'signed, for a service with no SP certificate',
    'no_sp_certificate',
    (f) => ({ send: redirect(f, f.sso, signedRedirectQuery(authnRequest(f.sso), f.sp.privateKey)) }),
  ],
  [
    'SLO: NotOnOrAfter passed',
    'expired_request',
    (f) => ({ metric: 'slo', send: post(f, f.slo, logoutRequest(f.slo, NOBODY, { notOnOrAfter: minutes(-1) })) }),
  ],
  [
    'SLO: another Issuer',
    'unknown_issuer',
    (f) => ({
      metric: 'slo',
      send: post(f, f.slo, logoutRequest(f.slo, NOBODY, { issuer: OTHER_ISSUER })),
      values: { received: OTHER_ISSUER, expected: SP_ENTITY },
    }),
  ],
  ['SLO: a LogoutRequest sent again', 'replayed_request', (f) => ({ metric: 'slo', send: post(f, f.slo, f.usedLogoutRequest) })],
  ['SLO: nobody signed in, no slo_url to answer at', 'unknown_principal', (f) => ({ metric: 'slo', send: post(f, f.slo, () => logoutRequest(f.slo, NOBODY)) })],
  [
    'SLO: a LogoutResponse nothing waits for',
    'unexpected_logout_response',
    (f) => ({ metric: 'slo', send: post(f, f.slo, () => logoutResponse(f.slo, newRequestId()), 'SAMLResponse') }),
  ],
];

/** The refused count for this reason, 0 when the label set has not appeared yet. */
async function refusedCount(srv: TestServer, metric: 'sso' | 'slo', reason: string): Promise<number> {
  const text = await (await fetch(`${srv.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`tessera_${metric}_outcomes_total{`) && l.includes('outcome="refused"') && l.includes(`reason="${reason}"`));
  return line ? Number(line.trim().split(' ').at(-1)) : 0;
}

interface LogLine {
  level: number;
  msg: string;
  reqId: string;
  reason: string;
  received?: string;
  expected?: string;
  samlService: string;
}

function refusalLine(srv: TestServer, reqId: string): LogLine {
  const lines = srv.logs.map((l) => JSON.parse(l) as LogLine).filter((l) => l.reqId === reqId && l.msg === 'SAML request refused');
  expect(lines, `one refusal line for ${reqId}`).toHaveLength(1);
  return lines[0] as LogLine;
}

describe('the step lists', () => {
  it('are declared in order, replay last', () => {
    expect(SSO_STEPS.names).toEqual([
      'checkRelayState',
      'decode',
      'parseAndVerify',
      'readRequest',
      'checkIssuer',
      'checkDestination',
      'checkAcs',
      'checkIssueInstant',
      'checkReplay',
    ]);
    expect(LOGOUT_REQUEST_STEPS.names).toEqual([
      'checkRelayState',
      'decode',
      'parseAndVerify',
      'readLogoutRequest',
      'checkIssuer',
      'checkDestination',
      'checkIssueInstant',
      'checkNotOnOrAfter',
      'checkReplay',
    ]);
    expect(LOGOUT_RESPONSE_STEPS.names).toEqual([
      'checkRelayState',
      'decode',
      'parseAndVerify',
      'readLogoutResponse',
      'checkIssuer',
      'checkDestination',
      'checkIssueInstant',
      'checkReplay',
    ]);
  });
});

describe.each(databases())('SAML refusal reasons on $name', (factory) => {
  const srv = suiteServer(factory);
  let f: Fixture;

  beforeAll(async () => {
    const world = await samlWorld(srv.url);
    const sp = generateKeyPair('sp.example.com');
    const slo = sloOf(world.urls.sso);
    f = {
      srv,
      world,
      sso: world.urls.sso,
      slo,
      signedSso: (await addSamlService(world, { entity_id: SIGNED_SP, sp_certificate: sp.certPem, want_authn_requests_signed: true })).sso,
      noInitSso: (await addSamlService(world, { entity_id: NO_INIT_SP, allow_idp_initiated: false })).sso,
      sp,
      attacker: generateKeyPair('attacker.example.com'),
      usedAuthnRequest: authnRequest(world.urls.sso),
      usedLogoutRequest: logoutRequest(slo, NOBODY),
      sent: [],
    };
    expectSignInRedirect(await post(f, f.sso, f.usedAuthnRequest)());
    // Refused as UnknownPrincipal, after the pipeline (replay last) has spent its ID.
    expectRefused(await post(f, f.slo, f.usedLogoutRequest)());
  });

  it.each(CASES)('%s: %s in the JSON body, the page, the log line and /metrics', async (_name, reason, make) => {
    const c = make(f);
    const metric = c.metric ?? 'sso';
    const before = await refusedCount(f.srv, metric, reason);

    const json = await c.send(JSON_ACCEPT);
    expect(json.status, json.text).toBe(c.status ?? 400);
    const body = JSON.parse(json.text) as { reason?: string; request_id: string; error_code: string; error: string };
    expect(body.reason).toBe(reason);
    expect(body.request_id).toBe(json.headers.get('x-request-id'));
    expect(body.error_code).toBe({ 404: 'NOT_FOUND', 413: 'PAYLOAD_TOO_LARGE' }[c.status ?? 400] ?? 'BAD_REQUEST');

    const page = await c.send();
    expectRefused(page, c.status ?? 400);
    const pageId = page.headers.get('x-request-id') ?? '';
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain(`Reason: ${reason}`);
    expect(page.text).toContain(`Reference: ${pageId}`);

    for (const reqId of [body.request_id, pageId]) {
      const line = refusalLine(f.srv, reqId);
      expect(line.level).toBe(40);
      expect(line.reason).toBe(reason);
      expect(line.samlService.startsWith(`${f.world.org}/`)).toBe(true);
      if (c.values) {
        expect(line.received).toBe(c.values.received);
        if (c.values.expected !== undefined) expect(line.expected).toBe(c.values.expected);
      }
    }
    // The values are for the log only: the page never repeats what came.
    if (c.values) expect(page.text).not.toContain(c.values.received);
    expect(await refusedCount(f.srv, metric, reason)).toBe(before + 2);
    // The page's reference finds the refusal in the organization's sign-in activity (docs/api.md).
    const found = await f.world.admin.client.get<{ sign_ins: { outcome: string; reason: string; request_id: string }[]; total: number }>(
      `/api/organizations/${f.world.org}/sign-ins?request_id=${encodeURIComponent(pageId)}`,
    );
    expect(found.status, found.text).toBe(200);
    expect(found.body.sign_ins).toEqual([expect.objectContaining({ outcome: 'refused', reason, request_id: pageId })]);
  });

  it('accepted requests count with an empty reason; the refusal lines hold no message that was sent', async () => {
    const text = await (await fetch(`${f.srv.url}/metrics`)).text();
    expect(text).toMatch(/^tessera_sso_outcomes_total\{outcome="sign_in_required",reason=""\} [1-9]/m);
    expect(text).not.toMatch(/outcome="refused_\d+"/);
    const lines = f.srv.logs.filter((l) => l.includes('SAML request refused'));
    expect(lines.length).toBeGreaterThanOrEqual(CASES.length * 2);
    expect(f.sent.length).toBeGreaterThan(10);
    for (const value of f.sent) {
      for (const line of lines) expect(line.includes(value.slice(8, 48))).toBe(false);
    }
  });

  it('a request id of our own is the reference on the page and the reqId of the log line', async () => {
    const reqId = `ref-${randomBytes(8).toString('hex')}`;
    const res = await browserFetch(new CookieJar(), `${f.sso}?${redirectQuery(authnRequest(f.sso, { acs: EVIL_ACS }))}`, {
      headers: { 'x-request-id': reqId },
    });
    expectRefused(res);
    expect(res.text).toContain(`Reference: ${reqId}`);
    expect(refusalLine(f.srv, reqId)).toMatchObject({ reason: 'acs_mismatch', received: EVIL_ACS, expected: SP_ACS });
  });
});
