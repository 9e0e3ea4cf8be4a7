// The Single Logout pipelines (docs/architecture.md, convention 1), the same steps as SSO: decode → parse and verify →
// read → Issuer → Destination (the SLO URL) → time → replay. A logout message must be signed whenever
// the service has an SP certificate (SAML profiles §4.4.4: front-channel logout messages are signed),
// so a forged or re-signed one fails here, before any session is looked at.
import { badRequest } from '../../http/errors.ts';
import type { SamlRuntime } from '../runtime.ts';
import { decodeMessage } from './decode.ts';
import { parseAndVerify } from './verify.ts';
import { readLogoutRequest, readLogoutResponse } from './read-logout.ts';
import { checkIssuer } from './check-issuer.ts';
import { checkDestination } from './check-destination.ts';
import { checkIssueInstant, replayHorizon } from './check-time.ts';
import type { IncomingMessage, LogoutRequestData, LogoutResponseData, ResolvedService } from './types.ts';

const signingRequired = (target: ResolvedService) => target.settings.spCertificate !== null;

export async function acceptLogoutRequest(msg: IncomingMessage, target: ResolvedService, saml: SamlRuntime): Promise<LogoutRequestData> {
  const xml = decodeMessage(msg);
  const { root, signed } = parseAndVerify(xml, msg, target, saml.schema, 'LogoutRequest', signingRequired(target));
  const req = readLogoutRequest(root, signed);
  checkIssuer(req, target);
  checkDestination(req.destination, target.urls.slo);
  checkIssueInstant(req.issueInstant);
  if (req.notOnOrAfter && req.notOnOrAfter.getTime() <= Date.now()) throw badRequest('The LogoutRequest has expired (NotOnOrAfter)');
  await saml.replay.remember(target.service.id, req.id, replayHorizon(req.issueInstant));
  return req;
}

export async function acceptLogoutResponse(msg: IncomingMessage, target: ResolvedService, saml: SamlRuntime): Promise<LogoutResponseData> {
  const xml = decodeMessage(msg);
  const { root, signed } = parseAndVerify(xml, msg, target, saml.schema, 'LogoutResponse', signingRequired(target));
  const res = readLogoutResponse(root, signed);
  checkIssuer(res, target);
  checkDestination(res.destination, target.urls.slo);
  checkIssueInstant(res.issueInstant);
  await saml.replay.remember(target.service.id, res.id, replayHorizon(res.issueInstant));
  return res;
}
