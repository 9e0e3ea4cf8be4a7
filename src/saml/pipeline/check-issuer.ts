// Step: the Issuer must be exactly the SP entity ID configured for this service.
import { badRequest } from '../../http/errors.ts';
import type { AuthnRequestData, ResolvedService } from './types.ts';

export function checkIssuer(req: Pick<AuthnRequestData, 'issuer'>, target: ResolvedService): void {
  if (req.issuer !== target.settings.entityId) throw badRequest('Unknown Issuer for this service');
}
