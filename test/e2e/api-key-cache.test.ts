// The API-key cache is bounded and evicts one key at a time (issue 19 item 4): when full, the least
// recently used key is dropped and the others stay cached; nothing clears the whole cache and sends
// every key back to the database at once. "Cached" is proven by hiding the key table: a cached key is
// still answered, synchronously; an evicted one needs the database.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { registerAdmin } from '../helpers/fixtures.ts';
import { extraKey, serviceWorld, type ServiceWorld } from '../helpers/service-api.ts';
import { ApiKeyAuth, type KeyPrincipal } from '../../src/service-api/auth.ts';

describe.each(databases())('API-key cache bounds on $name', (factory) => {
  const srv = suiteServer(factory);
  let w: ServiceWorld;
  beforeAll(async () => {
    w = await serviceWorld(srv.url, await registerAdmin(srv.url));
  });

  it('keeps at most its bound, evicting the least recently used key only', async () => {
    const keys = [w.key, (await extraKey(w)).key, (await extraKey(w)).key];
    const auth = new ApiKeyAuth(srv.deps.database, srv.deps.config.secret, srv.deps.logger, srv.deps.invalidation, 2);
    const [first, second, third] = keys as [string, string, string];
    await auth.authenticate(first);
    await auth.authenticate(second);
    // `first` used again: now `second` is the least recently used…
    expect(auth.authenticate(first)).not.toBeInstanceOf(Promise);
    await auth.authenticate(third); // …and goes when the third key comes in.

    await srv.deps.db.$executeRaw`ALTER TABLE api_keys RENAME TO api_keys_hidden`;
    try {
      for (const cached of [first, third]) {
        const p = auth.authenticate(cached);
        expect(p, 'answered from the cache, without a promise').not.toBeInstanceOf(Promise);
        expect((p as KeyPrincipal).service.id).toBe(w.service.id);
      }
      await expect(Promise.resolve(auth.authenticate(second))).rejects.toThrow();
    } finally {
      await srv.deps.db.$executeRaw`ALTER TABLE api_keys_hidden RENAME TO api_keys`;
    }
  });
});
