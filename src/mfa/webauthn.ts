// WebAuthn (passkeys and security keys) through @simplewebauthn/server. The relying party is the
// configured public base URL: its origin is the only expected origin and its host the RP ID. Every
// challenge lives on an mfa_challenges row (bound to the user and to the sign-in, step-up or account
// step it was made for) and is taken off that row by one conditional UPDATE before the answer is
// checked, so a challenge is answered at most once.
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransportFuture,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Db } from '../db/client.ts';
import type { InvalidationBus } from '../db/invalidation.ts';
import { factorsChanged } from './presence.ts';
import { newId } from '../security/random.ts';
import { onFirstUse } from '../lazy.ts';

// Loaded on the first ceremony, not at start-up: the package and its ASN.1 dependencies cost about
// 20 MiB of resident memory and a third of a second of module loading, and most deployments sign in
// with passwords and TOTP only.
const webAuthnLibrary = onFirstUse(() => import('@simplewebauthn/server'));

export interface RelyingParty {
  origin: string;
  rpId: string;
  name: string;
}

export function relyingParty(publicUrl: string): RelyingParty {
  const u = new URL(publicUrl);
  return { origin: u.origin, rpId: u.hostname, name: 'Tessera' };
}

const TRANSPORTS = new Set<string>(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);
function transportsOf(json: string): AuthenticatorTransportFuture[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((t): t is AuthenticatorTransportFuture => typeof t === 'string' && TRANSPORTS.has(t)) : [];
  } catch {
    return [];
  }
}

/** Takes the challenge off the row: true only for the one caller that does. */
async function takeChallenge(db: Db, challengeId: string, challenge: string): Promise<boolean> {
  const r = await db.mfaChallenge.updateMany({
    where: { id: challengeId, webauthnChallenge: challenge, consumedAt: null, expiresAt: { gt: new Date() } },
    data: { webauthnChallenge: null },
  });
  return r.count === 1;
}

export async function registrationOptions(
  db: Db,
  rp: RelyingParty,
  challengeId: string,
  user: { id: string; email: string },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await db.webauthnCredential.findMany({ where: { userId: user.id } });
  const { generateRegistrationOptions } = await webAuthnLibrary();
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.rpId,
    userName: user.email,
    userID: new TextEncoder().encode(user.id),
    attestationType: 'none',
    excludeCredentials: existing.map((c) => ({ id: c.credentialId, transports: transportsOf(c.transports) })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  });
  await db.mfaChallenge.update({ where: { id: challengeId }, data: { webauthnChallenge: options.challenge } });
  return options;
}

/** Verifies a registration answer to the row's challenge and stores the credential; false when refused. */
export async function finishRegistration(
  db: Db,
  bus: InvalidationBus,
  rp: RelyingParty,
  challenge: { id: string; userId: string; webauthnChallenge: string | null },
  response: RegistrationResponseJSON,
  name: string,
): Promise<boolean> {
  const expected = challenge.webauthnChallenge;
  if (!expected || !(await takeChallenge(db, challenge.id, expected))) return false;
  let verified;
  try {
    const { verifyRegistrationResponse } = await webAuthnLibrary();
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: expected,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpId,
      requireUserVerification: false,
    });
  } catch {
    return false;
  }
  if (!verified.verified) return false;
  const cred = verified.registrationInfo.credential;
  await db.webauthnCredential.create({
    data: {
      id: newId('wac'),
      userId: challenge.userId,
      credentialId: cred.id,
      publicKey: Buffer.from(cred.publicKey).toString('base64url'),
      counter: BigInt(cred.counter),
      transports: JSON.stringify(cred.transports ?? []),
      name,
    },
  });
  await factorsChanged(bus, challenge.userId);
  return true;
}

export async function authenticationOptions(db: Db, rp: RelyingParty, challengeId: string, userId: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const creds = await db.webauthnCredential.findMany({ where: { userId } });
  const { generateAuthenticationOptions } = await webAuthnLibrary();
  const options = await generateAuthenticationOptions({
    rpID: rp.rpId,
    allowCredentials: creds.map((c) => ({ id: c.credentialId, transports: transportsOf(c.transports) })),
    userVerification: 'preferred',
  });
  await db.mfaChallenge.update({ where: { id: challengeId }, data: { webauthnChallenge: options.challenge } });
  return options;
}

/** Verifies an assertion for the row's challenge by one of the user's own credentials; updates its counter. */
export async function finishAuthentication(
  db: Db,
  rp: RelyingParty,
  challenge: { id: string; userId: string; webauthnChallenge: string | null },
  response: AuthenticationResponseJSON,
): Promise<boolean> {
  const expected = challenge.webauthnChallenge;
  if (!expected || typeof response.id !== 'string') return false;
  const cred = await db.webauthnCredential.findUnique({ where: { credentialId: response.id } });
  if (!cred || cred.userId !== challenge.userId) return false;
  if (!(await takeChallenge(db, challenge.id, expected))) return false;
  let result;
  try {
    const { verifyAuthenticationResponse } = await webAuthnLibrary();
    result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: expected,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpId,
      credential: {
        id: cred.credentialId,
        publicKey: Buffer.from(cred.publicKey, 'base64url'),
        counter: Number(cred.counter),
        transports: transportsOf(cred.transports),
      },
      requireUserVerification: false,
    });
  } catch {
    return false;
  }
  if (!result.verified) return false;
  // The counter only moves forward (the library refused a lower non-zero one); conditional so a
  // concurrent use of the same credential cannot move it back.
  const next = BigInt(result.authenticationInfo.newCounter);
  await db.webauthnCredential.updateMany({ where: { id: cred.id, counter: { lte: next } }, data: { counter: next, lastUsedAt: new Date() } });
  return true;
}
