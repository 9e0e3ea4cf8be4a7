// Step: a Destination, when present, must be exactly this service's endpoint URL.
import { badRequest } from '../../http/errors.ts';

export function checkDestination(destination: string | undefined, expected: string): void {
  if (destination !== undefined && destination !== expected) throw badRequest('Destination does not match this endpoint');
}
