// SSO benchmark pieces: a SAML-enabled service with a signed-in user (a live IdP session), fresh
// AuthnRequests per request (the replay cache is on the path), and the RSA signing baseline.
import { generateKeyPairSync, sign } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newWebhookSecret } from '../src/security/webhook-signature.ts';
import type { LoadOptions } from './lib.ts';
import { newId, newToken, hashToken } from '../src/security/random.ts';
import { createSealer } from '../src/security/encryption.ts';
import { generateCertificate } from '../src/saml/certificates.ts';
import { NAME_ID_FORMATS } from '../src/saml/settings.ts';
import { sessionCookieName } from '../src/saml/session.ts';
import { openDatabase, type Db } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { SignInRecorder } from '../src/saml/sign-in-record.ts';

export const SP_ENTITY = 'https://sp.bench.example/metadata';
export const SP_ACS = 'https://sp.bench.example/acs';

/** A SAML-enabled service "sso" in `org` (Response and Assertion signed), optionally encrypting its Assertions. */
export async function seedSamlService(
  db: Db,
  encryptionKey: string,
  org: { id: string },
  options: { encryptionCertificatePem?: string } = {},
): Promise<{ serviceSlug: string }> {
  const service = await db.service.create({
    data: { id: newId('svc'), organizationId: org.id, slug: 'sso', name: 'SSO Bench', serviceType: 'web', clientId: newToken(16) },
  });
  await db.samlConfig.create({
    data: {
      serviceId: service.id,
      enabled: true,
      entityId: SP_ENTITY,
      acsUrl: SP_ACS,
      nameIdFormat: NAME_ID_FORMATS.email,
      attributeMapping: JSON.stringify({ email: 'email', id: 'uid' }),
      signAssertions: true,
      signResponse: true,
      ...(options.encryptionCertificatePem
        ? { encryptAssertions: true, spEncryptionCertificate: options.encryptionCertificatePem, encryptionAlgorithm: 'aes256-gcm' }
        : {}),
    },
  });
  const cert = await generateCertificate(createSealer(encryptionKey), { organization: 'Bench', service: 'SSO Bench' });
  await db.samlCertificate.create({
    data: {
      id: cert.id,
      serviceId: service.id,
      certificatePem: cert.certificatePem,
      encryptedPrivateKey: cert.encryptedPrivateKey,
      status: 'active',
      validFrom: cert.validFrom,
      validUntil: cert.validUntil,
    },
  });
  return { serviceSlug: service.slug };
}

/** The SAML service and a user with a live IdP session written straight into the database (password level). */
export async function seedSso(
  db: Db,
  encryptionKey: string,
  org: { id: string; slug: string },
  options: { encryptionCertificatePem?: string } = {},
): Promise<{ cookie: string; serviceSlug: string }> {
  const { serviceSlug } = await seedSamlService(db, encryptionKey, org, options);
  const user = await db.user.create({ data: { id: newId('usr'), organizationId: org.id, email: 'signed-in@bench.example' } });
  const token = newToken();
  await db.idpSession.create({
    data: {
      id: newId('idps'),
      tokenHash: hashToken(token),
      organizationId: org.id,
      userId: user.id,
      authnInstant: new Date(),
      expiresAt: new Date(Date.now() + 8 * 3600_000),
    },
  });
  return { cookie: `${sessionCookieName(org.id)}=${token}`, serviceSlug };
}

let counter = 0;
/** A form body with a fresh AuthnRequest (new ID, current IssueInstant) for the HTTP-POST binding. */
export function authnRequestForm(ssoUrl: string): string {
  counter += 1;
  const xml = `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_bench${process.pid}x${counter}x${Date.now()}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${ssoUrl}" AssertionConsumerServiceURL="${SP_ACS}" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>${SP_ENTITY}</saml:Issuer></samlp:AuthnRequest>`;
  return `SAMLRequest=${encodeURIComponent(Buffer.from(xml).toString('base64'))}&RelayState=bench`;
}

/** The same AuthnRequest for the HTTP-Redirect binding: deflated, base64, as a query string (GET). */
export function authnRequestQuery(ssoUrl: string): string {
  const form = new URLSearchParams(authnRequestForm(ssoUrl));
  const xml = Buffer.from(form.get('SAMLRequest') ?? '', 'base64');
  return `SAMLRequest=${encodeURIComponent(deflateRawSync(xml).toString('base64'))}&RelayState=bench`;
}

/** RSA-2048 SHA-256 signatures per second with a pre-parsed KeyObject (the crypto ceiling). */
export function rsaSignaturesPerSecond(durationMs = 2000): number {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const data = Buffer.alloc(512, 7);
  for (let i = 0; i < 50; i++) sign('sha256', data, privateKey);
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < durationMs) {
    sign('sha256', data, privateKey);
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

/**
 * Building and signing one Response (Assertion + Response signatures) in process, nothing else: the
 * figure comparable to "samlify's login response ~200/s" (docs/architecture.md, facts learned), next to the same RSA ceiling.
 */
/** An RSA-2048 certificate standing in for an SP's encryption certificate (the encrypted-SSO figure). */
export async function spEncryptionCertificate(): Promise<string> {
  return (await generateCertificate(createSealer('bench-only-key-material'), { organization: 'Bench SP', service: 'Encryption' })).certificatePem;
}

export async function responsesPerSecond(durationMs = 2000, encryptionCertificatePem: string | null = null): Promise<number> {
  const { buildSuccessResponse } = await import('../src/saml/response.ts');
  const { createPrivateKey } = await import('node:crypto');
  const sealer = createSealer('bench-only-key-material');
  const cert = await generateCertificate(sealer, { organization: 'Bench', service: 'SSO Bench' });
  const key = createPrivateKey(sealer.open(cert.encryptedPrivateKey, cert.id));
  const settings = {
    serviceId: 'svc_bench',
    enabled: true,
    entityId: SP_ENTITY,
    acsUrl: SP_ACS,
    sloUrl: null,
    nameIdFormat: NAME_ID_FORMATS.email,
    nameIdSource: null,
    attributeMapping: [
      ['email', 'email'],
      ['id', 'uid'],
    ] as ['email' | 'id', string][],
    signAssertions: true,
    signResponse: true,
    spCertificate: null,
    wantAuthnRequestsSigned: false,
    allowIdpInitiated: true,
    requireMfa: false,
    acsEndpoints: [{ url: SP_ACS, index: 0, isDefault: true }],
    encryption: encryptionCertificatePem ? { certificatePem: encryptionCertificatePem, algorithm: 'aes256-gcm' as const } : null,
  };
  const build = () =>
    buildSuccessResponse(
      { idpEntityId: 'https://idp.bench.example/saml/bench/sso/metadata', settings, inResponseTo: '_req', now: new Date(), acsUrl: SP_ACS },
      {
        nameId: 'user@bench.example',
        nameIdFormat: NAME_ID_FORMATS.email,
        sessionIndex: '_s',
        authnInstant: new Date(),
        authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
        attributes: { email: 'user@bench.example', id: 'usr_1' },
      },
      { key, certificatePem: cert.certificatePem },
    );
  for (let i = 0; i < 20; i++) build();
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < durationMs) {
    build();
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

/**
 * What recording one sign-in costs (link, login event and counter, the session's service record, the
 * subscription read; one transaction) through Prisma's client and through the direct SQLite
 * connection of src/db/statements.ts, on the same fresh database: the reason the SSO path has both.
 */
export async function signInWriteMicros(databaseUrl: string, rounds = 1500): Promise<{ prisma: number; direct: number }> {
  await migrate(databaseUrl);
  const database = await openDatabase(databaseUrl);
  const db = database.prisma;
  const org = await db.organization.create({ data: { id: newId('org'), slug: 'micro', name: 'Micro' } });
  const service = await db.service.create({
    data: { id: newId('svc'), organizationId: org.id, slug: 'micro', name: 'Micro', serviceType: 'web', clientId: newToken(16) },
  });
  const user = await db.user.create({ data: { id: newId('usr'), organizationId: org.id, email: 'micro@bench.example' } });
  const session = await db.idpSession.create({
    data: {
      id: newId('idps'),
      tokenHash: hashToken(newToken()),
      organizationId: org.id,
      userId: user.id,
      authnInstant: new Date(),
      expiresAt: new Date(Date.now() + 3600_000),
    },
  });
  const time = async (recorder: SignInRecorder) => {
    const one = () =>
      recorder.record({
        serviceId: service.id,
        userId: user.id,
        sessionId: session.id,
        sessionIndex: `_${newToken(20)}`,
        nameId: 'micro@bench.example',
        at: new Date(),
        activity: {
          organizationId: org.id,
          flow: 'sso',
          outcome: 'success',
          reason: null,
          userId: user.id,
          email: 'micro@bench.example',
          serviceId: service.id,
          binding: 'redirect',
          authnContext: null,
          ip: '127.0.0.1',
          userAgent: 'bench',
          requestId: newToken(12),
          at: new Date(),
        },
        organizationId: org.id,
        serviceSlug: service.slug,
        email: user.email,
      });
    for (let i = 0; i < 100; i++) await one();
    const start = performance.now();
    for (let i = 0; i < rounds; i++) await one();
    return ((performance.now() - start) / rounds) * 1000;
  };
  // No webhooks in this database: the recorder is told so, as the presence cache would once loaded.
  const none = () => false;
  const prisma = await time(new SignInRecorder({ ...database, direct: null }, none));
  const direct = await time(new SignInRecorder(database, none));
  await database.close();
  return { prisma, direct };
}

/**
 * A webhook receiver in the bench process (answers 204, counts deliveries), for the SSO run with a
 * webhook subscribed to every event: each sign-in then also writes a user.signed_in event into the
 * group commit and the server's delivery worker POSTs it here.
 */
export async function startWebhookReceiver(): Promise<{ url: string; hits: () => number; drained: () => Promise<boolean>; close: () => Promise<void> }> {
  let hits = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}/hook`,
    hits: () => hits,
    // No delivery for 300 ms (the worker's coalescing delays are 50 and 250 ms), or 5 s at most:
    // false when the cap was hit (the report says so: the next load may then carry deliveries).
    drained: async () => {
      const until = Date.now() + 5000;
      let seen = -1;
      while (seen !== hits && Date.now() < until) {
        seen = hits;
        await new Promise((r) => setTimeout(r, 300));
      }
      return seen === hits;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** A second organization like the first SSO one, with one webhook on "*" (its sealed secret as the server seals it). */
export async function seedHookedSso(db: Db, encryptionKey: string, receiverUrl: string): Promise<{ cookie: string; ssoPath: string }> {
  const org = await db.organization.create({ data: { id: newId('org'), slug: 'bench-hooked', name: 'Bench with a webhook' } });
  const sso = await seedSso(db, encryptionKey, org);
  const id = newId('whk');
  await db.webhook.create({
    data: { id, organizationId: org.id, url: receiverUrl, events: '["*"]', secret: createSealer(encryptionKey).seal(newWebhookSecret(), id) },
  });
  return { cookie: sso.cookie, ssoPath: `/saml/${org.slug}/${sso.serviceSlug}/sso` };
}

/** The SSO load: a fresh AuthnRequest per request, from the signed-in user's browser (its session cookie). */
export function ssoLoadFor(url: string, cookie: string): LoadOptions {
  return {
    method: 'POST',
    headers: () => ({ cookie, 'content-type': 'application/x-www-form-urlencoded' }),
    body: () => authnRequestForm(url),
  };
}
