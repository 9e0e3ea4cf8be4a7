// Step: read what the SSO flow uses of the (verified) AuthnRequest, on top of the common header.
import { attr, flag, readHeader, type VerifiedRoot } from './reader.ts';
import type { AuthnRequestData } from './types.ts';
import { readRequestedContext } from '../authn-context.ts';

export function readRequest({ root, signed }: VerifiedRoot): { message: AuthnRequestData } {
  return {
    message: {
      ...readHeader(root, 'AuthnRequest'),
      acsUrl: attr(root, 'AssertionConsumerServiceURL'),
      protocolBinding: attr(root, 'ProtocolBinding'),
      forceAuthn: flag(root, 'ForceAuthn'),
      isPassive: flag(root, 'IsPassive'),
      requestedContext: readRequestedContext(root),
      signed,
    },
  };
}
