import type { Deps } from '../deps.ts';
import { Limiter } from '../http/rate-limit.ts';

export interface LoginLimits { ip: Limiter; email: Limiter }

/** Hosted sign-in: 30 attempts per minute per client IP, 10 failures per 15 minutes per email. */
export function createRateLimitsForLogin(deps: Deps): LoginLimits {
  return {
    ip: new Limiter('sso-login-ip', { points: 30, duration: 60 }, deps.redis, deps.logger),
    email: new Limiter('sso-login-email', { points: 10, duration: 15 * 60 }, deps.redis, deps.logger),
  };
}
