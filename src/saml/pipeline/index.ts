// The SP-initiated SSO pipeline (docs/architecture.md, convention 1): decode → parse and verify → read → Issuer →
// Destination → ACS → time → replay. Any failure throws before anything is sent to an ACS.
import type { SamlRuntime } from '../runtime.ts';
import { decodeMessage } from './decode.ts';
import { parseAndVerify } from './verify.ts';
import { readAuthnRequest } from './read-request.ts';
import { checkIssuer } from './check-issuer.ts';
import { checkDestination } from './check-destination.ts';
import { checkAcs } from './check-acs.ts';
import { checkIssueInstant, replayHorizon } from './check-time.ts';
import type { AuthnRequestData, IncomingMessage, ResolvedService } from './types.ts';

export async function acceptAuthnRequest(msg: IncomingMessage, target: ResolvedService, saml: SamlRuntime): Promise<AuthnRequestData> {
  const xml = decodeMessage(msg);
  const { root, signed } = parseAndVerify(xml, msg, target, saml.schema, 'AuthnRequest');
  const req = readAuthnRequest(root, signed);
  checkIssuer(req, target);
  checkDestination(req.destination, target.urls.sso);
  checkAcs(req, target);
  checkIssueInstant(req.issueInstant);
  await saml.replay.remember(target.service.id, req.id, replayHorizon(req.issueInstant));
  return req;
}

export type { AuthnRequestData, IncomingMessage, ResolvedService } from './types.ts';
