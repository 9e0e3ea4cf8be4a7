// The SP-initiated SSO endpoint as its list of steps (docs/architecture.md, convention 1): every AuthnRequest passes
// each of them in this order, and any refusal stops it before anything is sent to an ACS.
import type { SamlRuntime } from '../runtime.ts';
import { steps } from './steps.ts';
import { checkRelayState } from './check-relay-state.ts';
import { decode } from './decode.ts';
import { parseAndVerify } from './verify.ts';
import { readRequest } from './read-request.ts';
import { checkIssuer } from './check-issuer.ts';
import { checkDestination } from './check-destination.ts';
import { checkAcs } from './check-acs.ts';
import { checkIssueInstant } from './check-issue-instant.ts';
import { checkReplay } from './check-replay.ts';
import type { AuthnRequestData, Inbound, IncomingMessage, ResolvedService } from './types.ts';

export const SSO_STEPS = steps<Inbound>()
  .check(checkRelayState)
  .derive(decode)
  .derive(parseAndVerify)
  .derive(readRequest)
  .check(checkIssuer)
  .check(checkDestination)
  .derive(checkAcs)
  .check(checkIssueInstant)
  .check(checkReplay);

export async function acceptAuthnRequest(
  incoming: IncomingMessage,
  target: ResolvedService,
  saml: Pick<SamlRuntime, 'schema' | 'replay'>,
): Promise<AuthnRequestData & { replyTo: string }> {
  const { message, replyTo } = await SSO_STEPS.run({
    incoming,
    target,
    saml,
    kind: 'AuthnRequest',
    endpointUrl: target.urls.sso,
    // An unsigned AuthnRequest passes unless the service asks for signed ones; a signed one is always verified.
    signingRequired: target.settings.wantAuthnRequestsSigned,
  });
  return { ...message, replyTo };
}

export type { AuthnRequestData, IncomingMessage, ResolvedService } from './types.ts';
