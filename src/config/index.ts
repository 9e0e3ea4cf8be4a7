// Every setting, validated once at start-up with its documented default (README "Configuration").
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseArgon2Cost } from '../security/password-cost.ts';
import { devEncryptionKey } from '../security/encryption.ts';
import { safeEqual } from '../security/random.ts';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z.string().min(1).default('file:./data/tessera.db'),
  REDIS_URL: z.string().optional(),
  TESSERA_SECRET: z.string().min(32, 'TESSERA_SECRET must be at least 32 characters').optional(),
  TESSERA_ENCRYPTION_KEY: z.string().optional(),
  TESSERA_REGISTRATION: z.enum(['open', 'closed']).default('open'),
  TESSERA_REGISTER_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(10),
  TESSERA_MAX_SERVICES_PER_ORG: z.coerce.number().int().min(0).max(100000).default(10),
  TESSERA_ALLOW_HTTP_ACS: bool.default(false),
  TESSERA_OUTBOUND_ALLOW_PRIVATE: bool.default(false),
  TESSERA_METRICS_TOKEN: z.string().optional(),
  TRUST_PROXY: bool.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TESSERA_FAST_PATHS: z.enum(['auto', 'off']).default('auto'),
  TESSERA_WORKERS: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(64)]).default(1),
  TESSERA_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(400),
  TESSERA_SIGNIN_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(90),
  TESSERA_WEBHOOK_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(30),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'SMTP_URL must be smtp://[user:pass@]host[:port] or smtps://…')
    .optional(),
  MAIL_FROM: z.string().min(3).max(320).optional(),
  MAIL_DIR: z.string().min(1).optional(),
  TESSERA_WEBHOOKS_ALLOW_PRIVATE: bool.default(false),
  TESSERA_ARGON2: z
    .string()
    .optional()
    .superRefine((v, c) => {
      const parsed = parseArgon2Cost(v);
      if (!parsed.ok) c.addIssue({ code: 'custom', message: parsed.reason });
    }),
  TESSERA_WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .regex(/^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?){0,29}\s*$/, 'TESSERA_WEBHOOK_RETRY_SCHEDULE must be 1 to 30 comma-separated numbers of seconds')
    .optional(),
});

/** Seconds between a webhook delivery's attempts: 9 retries over about 3.9 days (docs/api.md, Webhooks). */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE = [60, 300, 1800, 7200, 21_600, 43_200, 86_400, 86_400, 86_400];

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  publicUrl: string;
  databaseUrl: string;
  redisUrl: string | undefined;
  /** Server secret: HMAC key for API keys and the JWT signing key (derived separately). */
  secret: string;
  encryptionKey: string | undefined;
  registration: 'open' | 'closed';
  /** Account registrations per client IP per hour (POST /api/auth/register). */
  registerLimit: number;
  maxServicesPerOrg: number;
  allowHttpAcs: boolean;
  /** Development and tests only: SP metadata URLs may reach private addresses and plain http. */
  outboundAllowPrivate: boolean;
  /** Development and tests only: webhook URLs may reach private addresses and plain http. */
  webhooksAllowPrivate: boolean;
  metricsToken: string | undefined;
  trustProxy: boolean;
  logLevel: string;
  /** `off` runs the public-API paths instead of the two that read library internals (http/internals.ts). */
  fastPaths: 'auto' | 'off';
  /** Worker processes sharing the port (TESSERA_WORKERS; `auto` = one per CPU). 1: this process serves. */
  workers: number;
  /** Days an audit event is kept, and a sign-in activity row (src/audit/retention.ts prunes older ones). */
  auditRetentionDays: number;
  signInRetentionDays: number;
  /** Days a webhook event and its deliveries are kept once none of them is pending (src/webhooks/retention.ts). */
  webhookRetentionDays: number;
  /** Outgoing mail (src/mail/): SMTP when smtpUrl is set; else .eml files in mailDir outside production; else none. */
  mail: { smtpUrl: string | undefined; from: string; dir: string | undefined };
  /** Seconds to wait before each retry of a failed webhook delivery; once they are used up, the delivery is failed. */
  webhookRetrySchedule: number[];
  /** Warnings to log once the logger exists (dev-only defaults in use). */
  warnings: string[];
}

export class ConfigError extends Error {}

/**
 * In development a random secret is created once in the data folder so keys and tokens survive a
 * restart; production must be given one.
 */
function devSecret(databaseUrl: string): string {
  const dir = databaseUrl.startsWith('file:') ? dirname(resolve(databaseUrl.slice(5))) : resolve('data');
  const file = resolve(dir, '.tessera-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  // Owner-only, like the secret and the database file that go in it (db/client.ts createSqliteFile).
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** Development without SMTP_URL writes each message to MAIL_DIR (default: mail/ beside the SQLite database, else ./data/mail). */
function mailSettings(e: z.output<typeof EnvSchema>, publicUrl: string, warnings: string[]): Config['mail'] {
  const smtpUrl = e.SMTP_URL || undefined;
  const from = e.MAIL_FROM ?? `Tessera <no-reply@${new URL(publicUrl).hostname}>`;
  if (smtpUrl || e.NODE_ENV === 'production') {
    if (!smtpUrl) warnings.push('SMTP_URL is not set: no email is sent and self-service password reset is hidden');
    return { smtpUrl, from, dir: undefined };
  }
  const base = e.DATABASE_URL.startsWith('file:') ? dirname(resolve(e.DATABASE_URL.slice(5))) : resolve('data');
  const dir = e.MAIL_DIR ? resolve(e.MAIL_DIR) : resolve(base, 'mail');
  warnings.push(`SMTP_URL is not set: outgoing email is written as .eml files under ${dir} (development only)`);
  return { smtpUrl, from, dir };
}

/** Fewer distinct characters than this in a secret of 32 or more is a placeholder (`aaaa…`), not a secret. */
const MIN_DISTINCT_CHARS = 8;

/**
 * What production refuses to start with: no encryption key, one under 32 characters, the development
 * key published in certs-dev/, either secret made of a handful of characters, or one value for both
 * (a leak of one would then be a leak of the other). A PUBLIC_URL that is not https is only a warning:
 * TLS may end in front of the server, but browsers must be sent to the https address.
 */
function productionSecrets(secret: string, encryptionKey: string | undefined, publicUrl: string | undefined, warnings: string[]): void {
  if (!encryptionKey) throw new ConfigError('TESSERA_ENCRYPTION_KEY is required when NODE_ENV=production');
  if (encryptionKey.length < 32) throw new ConfigError('TESSERA_ENCRYPTION_KEY must be at least 32 characters when NODE_ENV=production');
  if (safeEqual(encryptionKey.trim(), devEncryptionKey())) {
    throw new ConfigError('TESSERA_ENCRYPTION_KEY is the development key published in certs-dev/: generate your own (openssl rand -base64 32)');
  }
  for (const [name, value] of [
    ['TESSERA_SECRET', secret],
    ['TESSERA_ENCRYPTION_KEY', encryptionKey],
  ] as const) {
    if (new Set(value).size < MIN_DISTINCT_CHARS) throw new ConfigError(`${name} is not random enough (generate one with openssl rand -base64 32)`);
  }
  if (safeEqual(secret, encryptionKey)) throw new ConfigError('TESSERA_SECRET and TESSERA_ENCRYPTION_KEY must be different values');
  if (publicUrl && !publicUrl.startsWith('https://')) warnings.push('PUBLIC_URL is not https: browsers and SPs must reach Tessera over https in production');
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const warnings: string[] = [];
  let secret = e.TESSERA_SECRET;
  if (!secret) {
    if (e.NODE_ENV === 'production') throw new ConfigError('TESSERA_SECRET is required when NODE_ENV=production');
    secret = devSecret(e.DATABASE_URL);
    warnings.push('TESSERA_SECRET is not set: using a development secret stored next to the database (never do this in production)');
  }
  if (e.NODE_ENV === 'production') productionSecrets(secret, e.TESSERA_ENCRYPTION_KEY, e.PUBLIC_URL, warnings);
  // PORT=0 binds any free port: `:0` stays a placeholder that the server fills in once listening, on
  // 127.0.0.1 (what a test or benchmark on this machine can reach) unless PUBLIC_URL names a host.
  // The contract names TESSERA_WEBHOOKS_ALLOW_PRIVATE and gives SP metadata URLs "the same SSRF rules as
  // webhooks": it lifts the rules for both. TESSERA_OUTBOUND_ALLOW_PRIVATE, older, lifts them for SP
  // metadata URLs only, as it always did: a deployment that set it must not find its webhooks opened.
  const webhooksAllowPrivate = e.TESSERA_WEBHOOKS_ALLOW_PRIVATE;
  const outboundAllowPrivate = webhooksAllowPrivate || e.TESSERA_OUTBOUND_ALLOW_PRIVATE;
  if (webhooksAllowPrivate) {
    warnings.push(
      'TESSERA_WEBHOOKS_ALLOW_PRIVATE=true: webhooks and SP metadata URLs may use http and reach private and loopback addresses (development and tests only)',
    );
  } else if (outboundAllowPrivate) {
    warnings.push('TESSERA_OUTBOUND_ALLOW_PRIVATE=true: SP metadata URLs may use http and reach private and loopback addresses (development and tests only)');
  }
  const publicUrl = (e.PUBLIC_URL ?? `http://${e.PORT === 0 ? '127.0.0.1' : 'localhost'}:${e.PORT}`).replace(/\/+$/, '');
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL || undefined,
    secret,
    encryptionKey: e.TESSERA_ENCRYPTION_KEY,
    registration: e.TESSERA_REGISTRATION,
    registerLimit: e.TESSERA_REGISTER_LIMIT,
    maxServicesPerOrg: e.TESSERA_MAX_SERVICES_PER_ORG,
    allowHttpAcs: e.TESSERA_ALLOW_HTTP_ACS,
    outboundAllowPrivate,
    webhooksAllowPrivate,
    metricsToken: e.TESSERA_METRICS_TOKEN || undefined,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    fastPaths: e.TESSERA_FAST_PATHS,
    workers: e.TESSERA_WORKERS === 'auto' ? availableParallelism() : e.TESSERA_WORKERS,
    auditRetentionDays: e.TESSERA_AUDIT_RETENTION_DAYS,
    signInRetentionDays: e.TESSERA_SIGNIN_RETENTION_DAYS,
    webhookRetentionDays: e.TESSERA_WEBHOOK_RETENTION_DAYS,
    mail: mailSettings(e, publicUrl, warnings),
    webhookRetrySchedule: e.TESSERA_WEBHOOK_RETRY_SCHEDULE?.split(',').map((v) => Number(v.trim())) ?? DEFAULT_WEBHOOK_RETRY_SCHEDULE,
    warnings,
  };
}
