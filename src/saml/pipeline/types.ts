import type { Organization, Service } from '../../db/models.ts';
import type { IdpUrls, SamlSettings } from '../settings.ts';
import type { SigningKey } from '../certificates.ts';
import type { SamlRuntime } from '../runtime.ts';
import type { RequestedContext } from '../authn-context.ts';

/** A SAML message as it arrived, before anything is trusted. */
export interface IncomingMessage {
  binding: 'redirect' | 'post';
  /** Raw (still URL-encoded) query parameters, for the Redirect-binding signature. */
  rawParams: Map<string, string>;
  message: string;
  relayState: string | undefined;
}

/** A SAML-enabled service as the IdP sees it (src/saml/directory.ts); `signingKey` null when it has none usable. */
export interface ResolvedService {
  org: Organization;
  service: Service;
  settings: SamlSettings;
  urls: IdpUrls;
  signingKey: SigningKey | null;
}

export type MessageKind = 'AuthnRequest' | 'LogoutRequest' | 'LogoutResponse';

/** What every endpoint's step list starts from: the message as it arrived, and what it must match. */
export interface Inbound {
  incoming: IncomingMessage;
  target: ResolvedService;
  saml: Pick<SamlRuntime, 'schema' | 'replay'>;
  /** The root element this endpoint takes. */
  kind: MessageKind;
  /** This endpoint's own URL, the only Destination accepted. */
  endpointUrl: string;
  /** Whether an unsigned message is refused: the rule differs between AuthnRequests and logout messages. */
  signingRequired: boolean;
}

/** What every message has in common, read by reader.ts. */
export interface MessageHeader {
  id: string;
  issueInstant: Date;
  issuer: string;
  destination: string | undefined;
}

/** What the SSO flow uses of an AuthnRequest; read only from verified XML when a signature is present. */
export interface AuthnRequestData extends MessageHeader {
  acsUrl: string | undefined;
  acsIndex: number | undefined;
  protocolBinding: string | undefined;
  forceAuthn: boolean;
  isPassive: boolean;
  /** RequestedAuthnContext; undefined when the SP asked for none. */
  requestedContext: RequestedContext | undefined;
  signed: boolean;
}

/** What Single Logout uses of a LogoutRequest (read only from verified XML when signed). */
export interface LogoutRequestData extends MessageHeader {
  notOnOrAfter: Date | undefined;
  nameId: string;
  sessionIndexes: string[];
  signed: boolean;
}

/** What the logout chain uses of a LogoutResponse coming back from a participant. */
export interface LogoutResponseData extends MessageHeader {
  inResponseTo: string;
  success: boolean;
  signed: boolean;
}
