// Webhook secrets and signatures in the Standard Webhooks format (docs/api.md, Webhooks): the secret is
// `whsec_` + base64 of 32 random bytes, and a signature is `v1,` + base64 HMAC-SHA256 keyed with those
// bytes over "<webhook-id>.<webhook-timestamp>.<body>". Signed here with node:crypto rather than with the
// `standardwebhooks` package, so that the tests, which verify every delivery with that package, check
// this code against an independent implementation instead of against itself.
import { createHmac } from 'node:crypto';
import { secureRandom } from './random.ts';

const PREFIX = 'whsec_';

export function newWebhookSecret(): string {
  return `${PREFIX}${secureRandom(32).toString('base64')}`;
}

/** `v1,<base64>` for each secret, space-separated (two while a rotation overlaps). */
export function signWebhook(secrets: string[], msgId: string, timestampSeconds: number, body: string): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
      const mac = createHmac('sha256', key)
        .update(`${msgId}.${String(timestampSeconds)}.`)
        .update(body)
        .digest('base64');
      return `v1,${mac}`;
    })
    .join(' ');
}
