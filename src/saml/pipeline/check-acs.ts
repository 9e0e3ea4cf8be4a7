// Step: the Response only ever goes to the registered ACS URL; a different one in the request is refused.
import { badRequest } from '../../http/errors.ts';
import type { AuthnRequestData, ResolvedService } from './types.ts';

const HTTP_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

export function checkAcs(req: AuthnRequestData, target: ResolvedService): void {
  if (req.acsUrl !== undefined && req.acsUrl !== target.settings.acsUrl) throw badRequest('AssertionConsumerServiceURL is not the registered one');
  if (req.protocolBinding !== undefined && req.protocolBinding !== HTTP_POST) throw badRequest('Only the HTTP-POST binding is supported for responses');
}
