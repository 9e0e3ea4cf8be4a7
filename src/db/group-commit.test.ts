// The group-commit scheduler on its own: who shares a batch, results in order, one bad input failing
// only its own caller, an outage failing the whole batch at once, and a committed batch never written
// twice. (Its use on the SSO path is tested through HTTP in saml-hot-path, and an outage of the API-key
// lookups in test/e2e/outages.)
import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.ts';

const same = <T>(c: T[]): T[] => c;

/** A commit that answers at once, as a promise: what `write` throws becomes the rejection, as from a database. */
function commitNow<C>(write: (batch: number[]) => C): (batch: number[]) => Promise<C> {
  return (batch) =>
    new Promise<C>((resolve) => {
      resolve(write(batch));
    });
}

describe('GroupCommit', () => {
  it('writes what arrives in one turn of the event loop as one batch, and answers each caller in order', async () => {
    const batches: number[][] = [];
    const g = new GroupCommit<number, string, string[]>(
      commitNow((batch) => {
        batches.push(batch);
        return batch.map((n) => `r${n}`);
      }),
      same,
    );
    const first = await Promise.all([1, 2, 3].map((n) => g.submit(n)));
    expect(first).toEqual(['r1', 'r2', 'r3']);
    expect(await g.submit(4)).toBe('r4');
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('queues what arrives while a batch is being written for the next batch', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const g = new GroupCommit<number, number, number[]>(async (batch) => {
      batches.push(batch);
      if (batches.length === 1) await gate;
      return batch;
    }, same);
    const a = g.submit(1);
    await new Promise((r) => setImmediate(r));
    const later = [g.submit(2), g.submit(3)];
    release();
    expect(await Promise.all([a, ...later])).toEqual([1, 2, 3]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('when a commit fails, retries its inputs one by one so only the bad one fails', async () => {
    const commits: number[][] = [];
    const g = new GroupCommit<number, number, number[]>(
      commitNow((batch) => {
        commits.push(batch);
        if (batch.includes(13)) throw new Error('bad input');
        return batch.map((n) => n * 2);
      }),
      same,
    );
    const results = await Promise.allSettled([1, 13, 3].map((n) => g.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[0]).toMatchObject({ value: 2 });
    expect(results[2]).toMatchObject({ value: 6 });
    expect(commits).toEqual([[1, 13, 3], [1], [13], [3]]);
  });

  it('when the database is unavailable, fails every caller of the batch at once with that error, retrying none', async () => {
    const commits: number[][] = [];
    const outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const g = new GroupCommit<number, number, number[]>(
      commitNow((batch) => {
        commits.push(batch);
        throw outage;
      }),
      same,
    );
    const results = await Promise.allSettled([1, 2, 3].map((n) => g.submit(n)));
    expect(results).toEqual([1, 2, 3].map(() => ({ status: 'rejected', reason: outage })));
    expect(commits).toEqual([[1, 2, 3]]);
  });

  it('never writes a committed batch again: a failure after the commit fails each of its callers', async () => {
    const commits: number[][] = [];
    const g = new GroupCommit<number, number, number[]>(
      commitNow((batch) => {
        commits.push(batch);
        return batch;
      }),
      (c) => {
        if (c.includes(13)) throw new Error('could not read the rows back');
        return c;
      },
    );
    const results = await Promise.allSettled([1, 13, 3].map((n) => g.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(commits).toEqual([[1, 13, 3]]);
  });

  it('refuses a committed batch that yields a different number of results than inputs, without writing it again', async () => {
    const commits: number[][] = [];
    const g = new GroupCommit<number, number, number[]>(
      commitNow((batch) => {
        commits.push(batch);
        return batch;
      }),
      () => [1],
    );
    const results = await Promise.allSettled([1, 2].map((n) => g.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(commits).toEqual([[1, 2]]);
    const h = new GroupCommit<number, number, number[]>(
      commitNow((batch) => batch),
      () => [],
    );
    await expect(h.submit(1)).rejects.toThrow(/0 results for 1 inputs/);
  });

  it('reports each batch size', async () => {
    const sizes: number[] = [];
    const g = new GroupCommit<number, number, number[]>(
      commitNow((batch) => batch),
      same,
      (n) => sizes.push(n),
    );
    await Promise.all([1, 2].map((n) => g.submit(n)));
    await g.submit(3);
    expect(sizes).toEqual([2, 1]);
  });
});
