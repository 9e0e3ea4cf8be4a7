// A small Service Provider built on @node-saml/node-saml: a page with "Sign in with Tessera", the
// redirect to the IdP, and an ACS that validates the Response and shows the NameID and attributes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';

export interface DemoSp {
  url: string;
  acsUrl: string;
  entityId: string;
  configure(idp: { ssoUrl: string; entityId: string; certPem: string }): void;
  close(): Promise<void>;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startDemoSp(host = 'localhost', port = 0): Promise<DemoSp> {
  let saml: SAML | undefined;
  let acsUrl = '';
  const entityId = 'https://demo-sp.example.com/metadata';
  const server: Server = createServer((req, res) => {
    void (async () => {
      const page = (status: number, body: string) => {
        res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<!doctype html><html><head><title>Demo SP</title></head><body>${body}</body></html>`);
      };
      if (!saml) return page(503, '<p>Not configured</p>');
      if (req.method === 'GET' && req.url === '/')
        return page(
          200,
          '<h1>Demo Service Provider</h1><p>This page stands for any SaaS application that trusts Tessera.</p><a id="signin" href="/signin">Sign in with Tessera</a>',
        );
      if (req.method === 'GET' && req.url === '/signin') {
        res.writeHead(302, { location: await saml.getAuthorizeUrlAsync('/', undefined, {}) });
        return res.end();
      }
      if (req.method === 'POST' && req.url === '/acs') {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
        try {
          const { profile } = await saml.validatePostResponseAsync(form);
          const attrs = Object.entries(profile ?? {}).filter(
            ([k]) =>
              ![
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
              ].includes(k),
          );
          return page(
            200,
            `<h1 id="welcome">Signed in as <span id="nameid">${esc(String(profile?.nameID ?? ''))}</span></h1><p>NameID format: ${esc(String(profile?.nameIDFormat ?? ''))}</p><ul>${attrs.map(([k, v]) => `<li><b>${esc(k)}</b>: ${esc(JSON.stringify(v))}</li>`).join('')}</ul>`,
          );
        } catch (err) {
          return page(400, `<h1 id="error">SAML validation failed</h1><p>${esc((err as Error).message)}</p>`);
        }
      }
      page(404, '<p>Not found</p>');
    })().catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  acsUrl = `${url}/acs`;
  return {
    url,
    acsUrl,
    entityId,
    configure(idp) {
      saml = new SAML({
        entryPoint: idp.ssoUrl,
        issuer: entityId,
        callbackUrl: acsUrl,
        audience: entityId,
        idpCert: idp.certPem,
        idpIssuer: idp.entityId,
        wantAssertionsSigned: true,
        wantAuthnResponseSigned: true,
        validateInResponseTo: ValidateInResponseTo.always,
        identifierFormat: null,
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
