// Step: the Response only ever goes to the registered ACS URL; a different one in the request is refused.
import { refuse } from './reasons.ts';
import type { AuthnRequestData, ResolvedService } from './types.ts';

const HTTP_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

export function checkAcs({ message, target }: { message: Pick<AuthnRequestData, 'acsUrl' | 'protocolBinding'>; target: ResolvedService }): void {
  const expected = target.settings.acsUrl;
  if (message.acsUrl !== undefined && message.acsUrl !== expected)
    throw refuse('acs_mismatch', 'AssertionConsumerServiceURL is not the registered one', { received: message.acsUrl, expected });
  if (message.protocolBinding !== undefined && message.protocolBinding !== HTTP_POST) {
    throw refuse('unsupported_binding', 'Only the HTTP-POST binding is supported for responses', { received: message.protocolBinding, expected: HTTP_POST });
  }
}
