// The database every `npm run bench` run measures: 10 000 users of one service, each with a
// subscription, 10 000 API keys, and an organization per SSO variant (variants.ts).
import { openDatabase } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { newId, newToken } from '../src/security/random.ts';
import { apiKeyHasher, generateApiKey } from '../src/security/api-key.ts';
import { seedVariants, type VariantKey, type VariantSeed } from './variants.ts';

export const SECRET = 'bench-secret-0123456789abcdefghijklmnopqrstuvwxyz';
export const ENCRYPTION_KEY = 'bench-only-key-material-not-secret';
export const USERS = 10_000;
// Enough keys that no key passes its 100 reads per minute over every round: the real limiter stays
// on the path without refusing. 5 000 stopped being enough on 2026-12-06 on a machine twice as fast
// (`/info` at 37 000 req/s): the subscriptions slice, the last read slice of a round, met 429s.
export const KEYS = 10_000;

/** What the seeded database hands the loads: every API key, and each SSO variant's path and session. */
export interface Seeded {
  keys: string[];
  variants: Record<VariantKey, VariantSeed>;
}

export async function seed(databaseUrl: string, receiverUrl: string): Promise<Seeded> {
  await migrate(databaseUrl);
  const database = await openDatabase(databaseUrl);
  const db = database.prisma;
  const org = await db.organization.create({ data: { id: newId('org'), slug: 'bench', name: 'Bench' } });
  const service = await db.service.create({
    data: { id: newId('svc'), organizationId: org.id, slug: 'app', name: 'Bench App', serviceType: 'web', clientId: newToken(16) },
  });
  const plan = await db.plan.create({ data: { id: newId('plan'), serviceId: service.id, name: 'Pro', priceCents: 1900, currency: 'usd' } });
  const now = Date.now();
  for (let i = 0; i < USERS; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, USERS - i) }, (_, j) => ({
      id: newId('usr'),
      organizationId: org.id,
      email: `user${i + j}@bench.example`,
      createdAt: new Date(now - (USERS - i - j) * 1000),
    }));
    await db.user.createMany({ data: batch });
    await db.serviceUser.createMany({
      data: batch.map((u) => ({ id: newId('su'), serviceId: service.id, userId: u.id, persistentNameId: `tsr-${newToken(24)}`, createdAt: u.createdAt })),
    });
    // One subscription per user, every fifth cancelled, so the subscriptions list has as many rows.
    await db.subscription.createMany({
      data: batch.map((u, j) => ({
        id: newId('sub'),
        serviceId: service.id,
        userId: u.id,
        planId: plan.id,
        status: (i + j) % 5 === 0 ? 'cancelled' : 'active',
        currentPeriodEnd: new Date(now + 30 * 86_400_000),
        createdAt: u.createdAt,
      })),
    });
  }
  const hash = apiKeyHasher(SECRET);
  const keys: string[] = [];
  const rows = [];
  for (let i = 0; i < KEYS; i++) {
    const { key, prefix } = generateApiKey('live');
    keys.push(key);
    rows.push({
      id: newId('key'),
      serviceId: service.id,
      name: `bench ${i}`,
      prefix,
      environment: 'live',
      keyHash: hash(key),
      permissions: JSON.stringify(['read:service', 'read:users', 'read:subscriptions']),
    });
  }
  await db.apiKey.createMany({ data: rows });
  const variants = await seedVariants(db, ENCRYPTION_KEY, org, receiverUrl);
  await database.close();
  return { keys, variants };
}
