// Rate limits through rate-limiter-flexible: in process by default, shared through Redis when
// REDIS_URL is set (then a Redis failure refuses the request: fail closed, logged), and held by the
// primary for every worker when TESSERA_WORKERS > 1 without Redis, leased to the workers a few points at a
// time (cluster/lease-bank.ts, cluster/leased-limiter.ts).
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import { AppError, rateLimited, serviceUnavailable } from './errors.ts';
import type { Logger } from './log.ts';
import { LeasedLimiter, type LeaseClient } from '../cluster/leased-limiter.ts';

export interface LimitSpec {
  points: number;
  duration: number;
}

export interface LimitResult {
  limit: number;
  remaining: number;
  reset: number;
}

/** What Limiter needs of a store: rate-limiter-flexible's limiters, or a worker's leases. */
interface LimitStore {
  consume(key: string, points: number): Promise<RateLimiterRes>;
  delete(key: string): Promise<boolean>;
}

export class Limiter {
  readonly points: number;
  private readonly impl: LimitStore;
  constructor(
    private readonly name: string,
    spec: LimitSpec,
    redis: Redis | undefined,
    private readonly logger: Logger,
    leases?: LeaseClient,
  ) {
    this.points = spec.points;
    const opts = { keyPrefix: `tessera:rl:${name}`, points: spec.points, duration: spec.duration };
    this.impl = redis
      ? new RateLimiterRedis({ ...opts, storeClient: redis, useRedisPackage: false, rejectIfRedisNotReady: true })
      : leases
        ? new LeasedLimiter(leases, name, spec.points, spec.duration)
        : new RateLimiterMemory(opts);
  }

  /** Consumes one point; rejects with 429 (with Retry-After) when exhausted. */
  consume(key: string): Promise<LimitResult> {
    return this.impl.consume(key, 1).then(this.admitted, this.refused);
  }

  /**
   * consume() for a request whose response carries the limits: the X-RateLimit-* headers go onto
   * Node's response, in the one promise step every Service API request takes.
   */
  consumeFor(key: string, response: HeaderTarget): Promise<void> {
    return this.impl.consume(key, 1).then((res) => {
      setLimitHeaders(response, this.result(res));
    }, this.refused);
  }

  private readonly admitted = (res: RateLimiterRes): LimitResult => this.result(res);

  private readonly refused = (err: unknown): never => {
    if (err instanceof RateLimiterRes) {
      const e = rateLimited(err.msBeforeNext / 1000);
      Object.assign(e.headers, headersFor(this.result(err)));
      throw e;
    }
    this.logger.error(
      { limiter: this.name, err: { message: err instanceof Error ? err.message : String(err) } },
      'rate-limit store unavailable: refusing request (fail closed)',
    );
    throw serviceUnavailable('Rate limiting is unavailable; try again shortly');
  };

  async reset(key: string): Promise<void> {
    await this.impl.delete(key).catch(() => undefined);
  }

  private result(res: RateLimiterRes): LimitResult {
    return {
      limit: this.points,
      remaining: Math.max(0, res.remainingPoints),
      reset: Math.ceil((Date.now() + res.msBeforeNext) / 1000),
    };
  }
}

export function headersFor(r: LimitResult): Record<string, string> {
  return { 'X-RateLimit-Limit': String(r.limit), 'X-RateLimit-Remaining': String(r.remaining), 'X-RateLimit-Reset': String(r.reset) };
}

interface HeaderTarget {
  setHeader(name: string, value: string): unknown;
}

/** The same three headers straight onto Node's response (every Service API request sets them). */
function setLimitHeaders(res: HeaderTarget, r: LimitResult): void {
  res.setHeader('X-RateLimit-Limit', String(r.limit));
  res.setHeader('X-RateLimit-Remaining', String(r.remaining));
  res.setHeader('X-RateLimit-Reset', String(r.reset));
}

export interface RateLimits {
  serviceRead: Limiter;
  serviceWrite: Limiter;
  serviceDelete: Limiter;
  loginIp: Limiter;
  loginEmail: Limiter;
  /** Account registrations per client IP (each one is an argon2 hash and a new account). */
  registerIp: Limiter;
  /** The hosted SAML sign-in page (per IP; per organization and email). */
  ssoLoginIp: Limiter;
  ssoLoginEmail: Limiter;
  /** Self-service password reset requests (per IP; per organization and email). */
  resetIp: Limiter;
  resetEmail: Limiter;
}

/** `leases`: this process is a worker without Redis; its limits are leased from the primary. */
export function createRateLimits(redis: Redis | undefined, logger: Logger, registerPerHour = 10, leases?: LeaseClient): RateLimits {
  const make = (name: string, points: number, duration: number) => new Limiter(name, { points, duration }, redis, logger, leases);
  return {
    serviceRead: make('svc-read', 100, 60),
    serviceWrite: make('svc-write', 50, 60),
    serviceDelete: make('svc-delete', 20, 60),
    loginIp: make('login-ip', 30, 60),
    loginEmail: make('login-email', 10, 15 * 60),
    registerIp: make('register-ip', registerPerHour, 3600),
    ssoLoginIp: make('sso-login-ip', 30, 60),
    ssoLoginEmail: make('sso-login-email', 10, 15 * 60),
    resetIp: make('reset-ip', 20, 3600),
    resetEmail: make('reset-email', 3, 3600),
  };
}

export function isRateLimitError(err: unknown): err is AppError {
  return err instanceof AppError && err.status === 429;
}
