// Step: read what the SSO flow uses of the (verified) AuthnRequest, on top of the common header.
import { attr, flag, readHeader, type VerifiedRoot } from './reader.ts';
import { refuse } from './reasons.ts';
import type { AuthnRequestData } from './types.ts';
import { readRequestedContext } from '../authn-context.ts';

/** xs:unsignedShort, which the schema step already checked; anything else still reads as malformed. */
function index(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.trim());
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw refuse('malformed_request', 'AssertionConsumerServiceIndex is not an unsignedShort');
  return n;
}

export function readRequest({ root, signed }: VerifiedRoot): { message: AuthnRequestData } {
  return {
    message: {
      ...readHeader(root, 'AuthnRequest'),
      acsUrl: attr(root, 'AssertionConsumerServiceURL'),
      acsIndex: index(attr(root, 'AssertionConsumerServiceIndex')),
      protocolBinding: attr(root, 'ProtocolBinding'),
      forceAuthn: flag(root, 'ForceAuthn'),
      isPassive: flag(root, 'IsPassive'),
      requestedContext: readRequestedContext(root),
      signed,
    },
  };
}
