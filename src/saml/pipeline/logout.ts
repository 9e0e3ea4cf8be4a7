// The Single Logout endpoint as its two lists of steps (docs/architecture.md, convention 1), one per message it takes:
// the SSO steps with the SLO URL as Destination, plus NotOnOrAfter for a LogoutRequest. A logout
// message must be signed whenever the service has an SP certificate (SAML profiles §4.4.4:
// front-channel logout messages are signed), so a forged or re-signed one is refused here, before
// any session is looked at.
import type { SamlRuntime } from '../runtime.ts';
import { steps } from './steps.ts';
import { checkRelayState } from './check-relay-state.ts';
import { decode } from './decode.ts';
import { parseAndVerify } from './verify.ts';
import { readLogoutRequest, readLogoutResponse } from './read-logout.ts';
import { checkIssuer } from './check-issuer.ts';
import { checkDestination } from './check-destination.ts';
import { checkIssueInstant } from './check-issue-instant.ts';
import { checkNotOnOrAfter } from './check-not-on-or-after.ts';
import { checkReplay } from './check-replay.ts';
import type { Inbound, IncomingMessage, LogoutRequestData, LogoutResponseData, MessageKind, ResolvedService } from './types.ts';

export const LOGOUT_REQUEST_STEPS = steps<Inbound>()
  .check(checkRelayState)
  .derive(decode)
  .derive(parseAndVerify)
  .derive(readLogoutRequest)
  .check(checkIssuer)
  .check(checkDestination)
  .check(checkIssueInstant)
  .check(checkNotOnOrAfter)
  .check(checkReplay);

export const LOGOUT_RESPONSE_STEPS = steps<Inbound>()
  .check(checkRelayState)
  .derive(decode)
  .derive(parseAndVerify)
  .derive(readLogoutResponse)
  .check(checkIssuer)
  .check(checkDestination)
  .check(checkIssueInstant)
  .check(checkReplay);

type Runtime = Pick<SamlRuntime, 'schema' | 'replay'>;

function inbound(incoming: IncomingMessage, target: ResolvedService, saml: Runtime, kind: MessageKind): Inbound {
  return { incoming, target, saml, kind, endpointUrl: target.urls.slo, signingRequired: target.settings.spCertificate !== null };
}

export async function acceptLogoutRequest(incoming: IncomingMessage, target: ResolvedService, saml: Runtime): Promise<LogoutRequestData> {
  return (await LOGOUT_REQUEST_STEPS.run(inbound(incoming, target, saml, 'LogoutRequest'))).message;
}

export async function acceptLogoutResponse(incoming: IncomingMessage, target: ResolvedService, saml: Runtime): Promise<LogoutResponseData> {
  return (await LOGOUT_RESPONSE_STEPS.run(inbound(incoming, target, saml, 'LogoutResponse'))).message;
}
