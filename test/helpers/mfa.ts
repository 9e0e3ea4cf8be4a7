// Second-factor test plumbing: TOTP codes computed from the enrolled secret (otplib, as an
// authenticator app would), a software WebAuthn authenticator (an ES256 key from node:crypto, attestation
// "none", assertions signed over authenticatorData || SHA-256(clientDataJSON)), and the page walks.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { generate } from 'otplib';
import { isoCBOR } from '@simplewebauthn/server/helpers';

type CBORType = Parameters<typeof isoCBOR.encode>[0];
import { expect } from 'vitest';
import { browserFetch, hiddenInput, type CookieJar, type FetchResult } from './saml.ts';

/** The TOTP code for `secret` at `at` (the same parameters as any authenticator app). */
export function totpCode(secret: string, at = Date.now()): Promise<string> {
  return generate({ secret, algorithm: 'sha1', digits: 6, period: 30, epoch: Math.floor(at / 1000) });
}

/** The setup key shown on the enrollment page (grouped by four, spaces removed). */
export function setupKey(html: string): string {
  const m = /<code id="totp-secret">([A-Z2-7 ]+)<\/code>/.exec(html);
  expect(m?.[1], html.slice(0, 400)).toBeDefined();
  return (m?.[1] ?? '').replace(/ /g, '');
}

export function recoveryCodes(html: string): string[] {
  return [...html.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1] ?? '');
}

/** The page's form fields a second-factor POST carries. */
export function stepFields(html: string): { token: string; csrf: string } {
  return { token: hiddenInput(html, 'token') ?? '', csrf: hiddenInput(html, 'csrf') ?? '' };
}

/** POSTs a form as the browser would (same-origin). */
export function post(jar: CookieJar, base: string, path: string, form: Record<string, string>): Promise<FetchResult> {
  return browserFetch(jar, base + path, { form, headers: { origin: new URL(base).origin } });
}

/** The WebAuthn options a page's script hands to @simplewebauthn/browser (challenge, RP ID). */
export function webauthnOptions(html: string): { challenge: string; rp?: { id: string }; rpId?: string } {
  const m = /optionsJSON:(.*?)\}\)\.then/s.exec(html);
  expect(m?.[1], 'the page carries WebAuthn options').toBeDefined();
  return JSON.parse(m?.[1] ?? '{}') as { challenge: string; rp?: { id: string }; rpId?: string };
}

const b64u = (b: Uint8Array | Buffer) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

/** A software authenticator holding one ES256 credential. */
export class SoftAuthenticator {
  readonly credentialId = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 7 + 3) & 255));
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  counter = 0;

  constructor() {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  get id(): string {
    return b64u(this.credentialId);
  }

  private coseKey(): Uint8Array {
    const jwk = this.publicKey.export({ format: 'jwk' });
    const map = new Map<number, CBORType>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url'))],
      [-3, new Uint8Array(Buffer.from(jwk.y ?? '', 'base64url'))],
    ]);
    return isoCBOR.encode(map);
  }

  /** A registration answer ("none" attestation) to `challenge`, as made on `origin` for `rpId`. */
  register(challenge: string, origin: string, rpId: string): Record<string, unknown> {
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.create', challenge, origin, crossOrigin: false }));
    const idLen = Buffer.alloc(2);
    idLen.writeUInt16BE(this.credentialId.length);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([0x45]), Buffer.alloc(4), Buffer.alloc(16), idLen, this.credentialId, this.coseKey()]);
    const attestation = new Map<string, CBORType>();
    attestation.set('fmt', 'none');
    attestation.set('attStmt', new Map<string, CBORType>());
    attestation.set('authData', new Uint8Array(authData));
    const attestationObject = isoCBOR.encode(attestation);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ['internal'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** An assertion for `challenge`, as made on `origin` for `rpId`; the counter goes up by one. */
  assert(challenge: string, origin: string, rpId: string): Record<string, unknown> {
    this.counter += 1;
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge, origin, crossOrigin: false }));
    const count = Buffer.alloc(4);
    count.writeUInt32BE(this.counter);
    const authenticatorData = Buffer.concat([sha256(rpId), Buffer.from([0x05]), count]);
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), this.privateKey);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: { clientDataJSON: b64u(clientDataJSON), authenticatorData: b64u(authenticatorData), signature: b64u(signature) },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
