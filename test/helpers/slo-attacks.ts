// The world of the Single Logout attack suites (docs/security.md, attacks 10–14 and 21): a service with an
// slo_url and an sp_certificate, a second SAML service of the same organization, and two users (the victim
// and mallory) who stay signed in for the whole file; the ways of sending an attack and the two acceptable
// outcomes. After each test both sessions must still be alive; after the file, no log line may hold a
// SAMLRequest that was sent.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { CookieJar, USER_PASSWORD, browserFetch, samlWorld, type FetchResult, type SamlWorld } from './saml.ts';
import {
  addSamlService,
  base64,
  expectRefused,
  generateKeyPair,
  newRequestId,
  signedRedirectQuery,
  splitSignature,
  type KeyPair,
  type SignedParts,
} from './saml-attacks.ts';
import {
  LOGOUT_STATUS,
  SP_SLO,
  expectLogoutResponse,
  logoutRequest,
  sessionEnded,
  signInForLogout,
  signLogoutRequest,
  sloOf,
  ssoWithSession,
  stillSignedIn,
  type LogoutOptions,
  type Principal,
  type SignedIn,
} from './saml-logout.ts';
import type { DatabaseFactory } from './databases.ts';
import type { TestServer } from './server.ts';
import { suiteServer } from './suite.ts';

export const OTHER_SP = 'https://other-sp.example.com/metadata';
export const OTHER_ACS = 'http://localhost:4568/acs';
export const OTHER_SLO = 'http://localhost:4568/slo';
export const SUCCESS = [LOGOUT_STATUS.success];
export const UNKNOWN = [LOGOUT_STATUS.requester, LOGOUT_STATUS.unknownPrincipal];

/** A SessionIndex the IdP never issued. */
export const neverIssued = (): string => `_never${randomBytes(10).toString('hex')}`;

export interface Signed extends SignedParts {
  sessionIndex: string;
}

interface Snapshot {
  live: number;
  sessions: number;
  chains: number;
  pending: number;
  loginEvents: number;
}

/** What the setup makes once. */
interface Fixed {
  world: SamlWorld;
  sp: KeyPair;
  spB: KeyPair;
  attacker: KeyPair;
  slo: string;
  sloB: string;
  ssoB: string;
}

/** The sign-ins the attacks aim at: renewed after a test whose attack got through. */
interface Live {
  victim: SignedIn;
  /** The victim's sign-in to the second service (same IdP session). */
  victimAtB: Principal;
  mallory: SignedIn & { email: string };
}

/**
 * Made once per describe block (its hooks are the block's). Its functions are arrow properties: a suite
 * may take them out of the object and call them alone.
 */
export class SloAttackSuite {
  readonly srv: TestServer;
  /** Every SAMLRequest value sent, for the log check. */
  readonly sent: string[] = [];
  #fixed: Fixed | undefined;
  #live: Live | undefined;

  constructor(factory: DatabaseFactory) {
    const srv = suiteServer(factory);
    this.srv = srv;
    beforeAll(async () => {
      const sp = generateKeyPair('sp.example.com');
      const spB = generateKeyPair('other-sp.example.com');
      const attacker = generateKeyPair('attacker.example.com');
      const world = await samlWorld(srv.url, { slo_url: SP_SLO, sp_certificate: sp.certPem, want_authn_requests_signed: false });
      const b = await addSamlService(world, {
        entity_id: OTHER_SP,
        acs_url: OTHER_ACS,
        slo_url: OTHER_SLO,
        sp_certificate: spB.certPem,
        want_authn_requests_signed: false,
      });
      this.#fixed = { world, sp, spB, attacker, slo: sloOf(world.urls.sso), sloB: sloOf(b.sso), ssoB: b.sso };
      // Mallory's address extends the victim's: the classic comment-injection setting.
      const malloryEmail = `${world.userEmail}.evil.example.com`;
      const created = await world.admin.client.post(`/api/organizations/${world.org}/users`, { email: malloryEmail, password: USER_PASSWORD });
      expect(created.status).toBe(201);
      const victim = await signInForLogout(srv, world);
      const victimAtB = await ssoWithSession(victim.jar, b.sso, OTHER_SP, OTHER_ACS);
      const mallory = { ...(await signInForLogout(srv, world, malloryEmail)), email: malloryEmail };
      expect(mallory.nameId).toBe(`${victim.nameId}.evil.example.com`);
      this.#live = { victim, victimAtB, mallory };
    });

    afterEach(async () => {
      const { world, ssoB } = this.fixed;
      const live = this.live;
      // Whatever a test sent, the two long-lived sessions are still there.
      const victimEnded = await sessionEnded(srv, live.victim.sessionId);
      const malloryEnded = await sessionEnded(srv, live.mallory.sessionId);
      const signedIn = !victimEnded && (await stillSignedIn(world, live.victim.jar));
      // When an attack got through, sign in again so that the next test starts from live sessions.
      if (!signedIn) {
        live.victim = await signInForLogout(srv, world);
        live.victimAtB = await ssoWithSession(live.victim.jar, ssoB, OTHER_SP, OTHER_ACS);
      }
      if (malloryEnded) live.mallory = { ...(await signInForLogout(srv, world, live.mallory.email)), email: live.mallory.email };
      expect({ victimEnded, malloryEnded, signedIn }).toEqual({ victimEnded: false, malloryEnded: false, signedIn: true });
    });

    // Every file of the suite, not only the one whose test asks it explicitly. A setup that failed sent nothing.
    afterAll(() => {
      if (this.#live) this.expectNothingSentInLogs();
    });
  }

  private get fixed(): Fixed {
    if (!this.#fixed) throw new Error('the SLO attack world is set up in beforeAll: read it inside a hook or a test');
    return this.#fixed;
  }
  private get live(): Live {
    if (!this.#live) throw new Error('the SLO attack world is set up in beforeAll: read it inside a hook or a test');
    return this.#live;
  }

  get world(): SamlWorld {
    return this.fixed.world;
  }
  get sp(): KeyPair {
    return this.fixed.sp;
  }
  get spB(): KeyPair {
    return this.fixed.spB;
  }
  get attacker(): KeyPair {
    return this.fixed.attacker;
  }
  get slo(): string {
    return this.fixed.slo;
  }
  get sloB(): string {
    return this.fixed.sloB;
  }
  get ssoB(): string {
    return this.fixed.ssoB;
  }
  get victim(): SignedIn {
    return this.live.victim;
  }
  get victimAtB(): Principal {
    return this.live.victimAtB;
  }
  get mallory(): SignedIn & { email: string } {
    return this.live.mallory;
  }

  // ---- sending, and the two acceptable outcomes of an attack ----

  readonly post = (xml: string, jar = new CookieJar(), target = this.slo, relayState?: string): Promise<FetchResult> => {
    const value = base64(xml);
    this.sent.push(value);
    return browserFetch(jar, target, { form: { SAMLRequest: value, ...(relayState === undefined ? {} : { RelayState: relayState }) } });
  };

  readonly redirect = (query: string, jar = new CookieJar(), target = this.slo): Promise<FetchResult> => {
    const raw = /(?:^|&)SAMLRequest=([^&]*)/.exec(query)?.[1];
    if (raw) this.sent.push(decodeURIComponent(raw));
    return browserFetch(jar, `${target}?${query}`);
  };

  readonly snapshot = async (): Promise<Snapshot> => {
    const db = this.srv.deps.db;
    const [live, sessions, chains, pending, loginEvents] = await Promise.all([
      db.idpSession.count({ where: { endedAt: null } }),
      db.idpSession.count(),
      db.samlLogoutChain.count(),
      db.samlPendingRequest.count(),
      db.loginEvent.count(),
    ]);
    return { live, sessions, chains, pending, loginEvents };
  };

  readonly expectSessionsAlive = async (): Promise<void> => {
    expect(await sessionEnded(this.srv, this.victim.sessionId)).toBe(false);
    expect(await sessionEnded(this.srv, this.mallory.sessionId)).toBe(false);
  };

  /** A local 400 page: nothing sent to any SP, no session ended, no ID remembered, no cookie touched. */
  readonly refused = async (sendIt: () => Promise<FetchResult>, reason?: RegExp): Promise<FetchResult> => {
    const before = await this.snapshot();
    const replays = await this.srv.deps.db.samlReplay.count();
    const res = await sendIt();
    expectRefused(res);
    if (reason) expect(res.text).toMatch(reason);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await this.snapshot()).toEqual(before);
    expect(await this.srv.deps.db.samlReplay.count()).toBe(replays);
    await this.expectSessionsAlive();
    return res;
  };

  /** Verified but naming no session the IdP holds: a signed Requester/UnknownPrincipal answer, no effect. */
  readonly unknownPrincipal = async (sendIt: () => Promise<FetchResult>, requestId: string): Promise<void> => {
    const before = await this.snapshot();
    const res = await sendIt();
    expectLogoutResponse(res, this.world, requestId, UNKNOWN);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await this.snapshot()).toEqual(before);
    await this.expectSessionsAlive();
  };

  /** Either of the two: a local 400, or a verified request answered UnknownPrincipal. */
  readonly endsNothing = async (sendIt: () => Promise<FetchResult>, requestId: string): Promise<void> => {
    const before = await this.snapshot();
    const res = await sendIt();
    if (res.status === 400) expectRefused(res);
    else expectLogoutResponse(res, this.world, requestId, UNKNOWN);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await this.snapshot()).toEqual(before);
    await this.expectSessionsAlive();
  };

  /** A LogoutRequest naming the victim's live sign-in (unsigned). */
  readonly aimed = (o: LogoutOptions = {}): string => logoutRequest(this.slo, this.victim, o);
  readonly signed = (xml: string, opts: Parameters<typeof signLogoutRequest>[2] = {}): string => signLogoutRequest(xml, this.sp.privateKey, opts);
  readonly toSign = (xml: string, key = this.sp, opts: Parameters<typeof signedRedirectQuery>[2] = {}): string =>
    signedRedirectQuery(xml, key.privateKey, opts);

  /** A signed request the attacker holds: the SP's, for mallory, naming a sign-in that ends nothing. */
  readonly held = (o: LogoutOptions = {}): Signed => {
    const id = o.id ?? newRequestId();
    const sessionIndex = neverIssued();
    const xml = this.signed(logoutRequest(this.slo, { ...this.mallory, sessionIndex }, { ...o, id }));
    return { id, signed: xml, sessionIndex, ...splitSignature(xml) };
  };

  /** The SP's signed request for the victim's sign-in (never sent untouched here). */
  readonly victimSigned = (o: LogoutOptions = {}): Signed => {
    const id = o.id ?? newRequestId();
    const xml = this.signed(this.aimed({ ...o, id }));
    return { id, signed: xml, sessionIndex: this.victim.sessionIndex, ...splitSignature(xml) };
  };

  /** The held request's NameID and SessionIndex replaced by the victim's. */
  readonly toVictim = (xml: string, s: Signed): string =>
    xml.replace(`>${this.mallory.nameId}<`, `>${this.victim.nameId}<`).replace(`>${s.sessionIndex}<`, `>${this.victim.sessionIndex}<`);

  /** No log line holds a SAMLRequest sent so far (whole, URL-encoded, or a slice), nor the victim's session cookie. */
  readonly expectNothingSentInLogs = (): void => {
    const logs = this.srv.logs.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const value of this.sent) {
      expect(logs.includes(value)).toBe(false);
      expect(logs.includes(encodeURIComponent(value))).toBe(false);
      expect(logs.includes(value.slice(8, 48))).toBe(false);
    }
    const cookies = [...this.victim.jar.cookies.values()].filter((v) => v.length > 16);
    expect(cookies.length).toBeGreaterThan(0);
    for (const c of cookies) expect(logs.includes(c)).toBe(false);
  };
}
