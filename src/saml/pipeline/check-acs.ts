// Step: choose the ACS endpoint the Response goes to. An AssertionConsumerServiceURL must equal one of the
// registered endpoints, an AssertionConsumerServiceIndex must name one; neither → the default. Anything
// else is refused here, before any Response exists, so a Response only ever goes to a registered URL.
import { refuse } from './reasons.ts';
import type { AuthnRequestData, ResolvedService } from './types.ts';

const HTTP_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

export function checkAcs({ message, target }: { message: Pick<AuthnRequestData, 'acsUrl' | 'acsIndex' | 'protocolBinding'>; target: ResolvedService }): {
  replyTo: string;
} {
  const { acsEndpoints, acsUrl: defaultUrl } = target.settings;
  if (message.protocolBinding !== undefined && message.protocolBinding !== HTTP_POST) {
    throw refuse('unsupported_binding', 'Only the HTTP-POST binding is supported for responses', { received: message.protocolBinding, expected: HTTP_POST });
  }
  if (message.acsUrl !== undefined) {
    // The schema lets a request carry both; SAML core says not to. When it does, one endpoint must have both.
    const byUrl = acsEndpoints.find((e) => e.url === message.acsUrl && (message.acsIndex === undefined || e.index === message.acsIndex));
    if (!byUrl)
      throw refuse('acs_mismatch', 'AssertionConsumerServiceURL is not a registered one', {
        received: message.acsIndex === undefined ? message.acsUrl : `${message.acsUrl} #${message.acsIndex}`,
        expected: defaultUrl,
      });
    return { replyTo: byUrl.url };
  }
  if (message.acsIndex !== undefined) {
    const byIndex = acsEndpoints.find((e) => e.index === message.acsIndex);
    if (!byIndex)
      throw refuse('acs_mismatch', 'AssertionConsumerServiceIndex is not a registered one', {
        received: String(message.acsIndex),
        expected: acsEndpoints.map((e) => e.index).join(','),
      });
    return { replyTo: byIndex.url };
  }
  return { replyTo: defaultUrl };
}
