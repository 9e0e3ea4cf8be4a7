// A small Service Provider built on @node-saml/node-saml: a page with "Sign in with Tessera", the
// redirect to the IdP, and an ACS that validates the Response and shows the NameID and attributes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SAML, ValidateInResponseTo, generateServiceProviderMetadata, type Profile } from '@node-saml/node-saml';

export interface DemoSp {
  url: string;
  acsUrl: string;
  entityId: string;
  /** The SP's metadata (EntityDescriptor) as node-saml writes it, to paste into Tessera's console. */
  metadata(): string;
  configure(idp: { ssoUrl: string; entityId: string; certPem: string }): void;
  close(): Promise<void>;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Profile fields that are not attributes: the signed-in page lists every other field. */
const NOT_ATTRIBUTES = [
  'issuer',
  'nameID',
  'nameIDFormat',
  'sessionIndex',
  'getAssertionXml',
  'getAssertion',
  'getSamlResponseXml',
  'inResponseTo',
  'nameQualifier',
  'spNameQualifier',
  'attributes',
];

function page(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html><head><title>Demo SP</title></head><body>${body}</body></html>`);
}

function signedInPage(profile: Profile | null): string {
  const attrs = Object.entries(profile ?? {}).filter(([k]) => !NOT_ATTRIBUTES.includes(k));
  return `<h1 id="welcome">Signed in as <span id="nameid">${esc(profile?.nameID ?? '')}</span></h1><p>NameID format: ${esc(profile?.nameIDFormat ?? '')}</p><ul>${attrs.map(([k, v]) => `<li><b>${esc(k)}</b>: ${esc(JSON.stringify(v))}</li>`).join('')}</ul>`;
}

async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

/** The ACS: validates the posted Response and shows who signed in, or why validation failed. */
async function acs(req: IncomingMessage, res: ServerResponse, saml: SAML): Promise<void> {
  const form = await readForm(req);
  try {
    const { profile } = await saml.validatePostResponseAsync(form);
    page(res, 200, signedInPage(profile));
  } catch (err) {
    page(res, 400, `<h1 id="error">SAML validation failed</h1><p>${esc((err as Error).message)}</p>`);
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, saml: SAML | undefined): Promise<void> {
  if (!saml) {
    page(res, 503, '<p>Not configured</p>');
    return;
  }
  if (req.method === 'GET' && req.url === '/') {
    page(
      res,
      200,
      '<h1>Demo Service Provider</h1><p>This page stands for any SaaS application that trusts Tessera.</p><a id="signin" href="/signin">Sign in with Tessera</a>',
    );
    return;
  }
  if (req.method === 'GET' && req.url === '/signin') {
    res.writeHead(302, { location: await saml.getAuthorizeUrlAsync('/', undefined, {}) });
    res.end();
    return;
  }
  if (req.method === 'POST' && req.url === '/acs') {
    await acs(req, res, saml);
    return;
  }
  page(res, 404, '<p>Not found</p>');
}

export interface DemoSpOptions {
  /**
   * Also accept Responses that answer no AuthnRequest of this SP (off by default). IdP-initiated SSO
   * (Tessera's `/saml/:org/:service/init`, the console's test sign-in link) sends a Response without
   * InResponseTo, which the default refuses as an SP should: an unsolicited Response is what an attacker
   * replaying or injecting an assertion would post. On, node-saml's `ifPresent`: a Response that does
   * carry InResponseTo must still answer a request this SP made. Only the console's browser test turns it on.
   */
  acceptUnsolicited?: boolean;
}

function spFor(idp: { ssoUrl: string; entityId: string; certPem: string }, entityId: string, acsUrl: string, options: DemoSpOptions): SAML {
  return new SAML({
    entryPoint: idp.ssoUrl,
    issuer: entityId,
    callbackUrl: acsUrl,
    audience: entityId,
    idpCert: idp.certPem,
    idpIssuer: idp.entityId,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: true,
    validateInResponseTo: options.acceptUnsolicited ? ValidateInResponseTo.ifPresent : ValidateInResponseTo.always,
    identifierFormat: null,
  });
}

export async function startDemoSp(host = 'localhost', port = 0, options: DemoSpOptions = {}): Promise<DemoSp> {
  let saml: SAML | undefined;
  const entityId = 'https://demo-sp.example.com/metadata';
  const server: Server = createServer((req, res) => {
    handle(req, res, saml).catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  const acsUrl = `${url}/acs`;
  return {
    url,
    acsUrl,
    entityId,
    metadata: () => generateServiceProviderMetadata({ issuer: entityId, callbackUrl: acsUrl, wantAssertionsSigned: true }),
    configure(idp) {
      saml = spFor(idp, entityId, acsUrl, options);
    },
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
}
