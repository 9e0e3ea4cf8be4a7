// Group commit: writes submitted by concurrent requests in the same turn of the event loop are
// written together, in one transaction of multi-row statements, and every caller is answered only
// after that transaction committed, exactly as if it had committed alone. Under load one commit
// serves many sign-ins; a lone request waits for nothing but its own write (one setImmediate).
//
// Two steps: `commit` writes the batch (one transaction) and returns what it read back; `interpret`
// turns that into one result per input, in order. If the commit fails, nothing was written, and its
// inputs are retried one by one so one bad input (say, a user deleted meanwhile) fails only its own
// caller. Unless the database itself is unavailable: then no input is to blame, each retry would only
// wait out the same connect timeout (one timeout per caller, one after the other), so every caller of
// the batch gets that error at once (503 with Retry-After). If interpreting fails, the batch has
// already committed: writing it again would duplicate it, so every caller of that batch gets the
// error instead.
//
// Reads batch the same way: the API-key cache's first-use lookups (src/service-api/auth.ts) pass a
// read as `commit`, and a failed read is retried key by key like a failed write.

import { isDatabaseUnavailable } from './errors.ts';

interface Waiting<I, O> {
  input: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit<I, O, C> {
  private queue: Waiting<I, O>[] = [];
  private draining = false;

  /** `onBatch` hears each batch's size (a metrics histogram). */
  constructor(
    private readonly commit: (batch: I[]) => Promise<C>,
    private readonly interpret: (committed: C, batch: I[]) => O[],
    private readonly onBatch: (size: number) => void = () => undefined,
    private readonly maxBatch = 64,
  ) {}

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.onBatch(batch.length);
      let committed: C;
      try {
        committed = await this.commit(batch.map((w) => w.input));
      } catch (err) {
        if (batch.length === 1 || isDatabaseUnavailable(err)) for (const w of batch) w.reject(err);
        else for (const w of batch) await this.alone(w);
        continue;
      }
      this.answer(batch, committed);
    }
    this.draining = false;
  }

  private async alone(w: Waiting<I, O>): Promise<void> {
    let committed: C;
    try {
      committed = await this.commit([w.input]);
    } catch (err) {
      w.reject(err);
      return;
    }
    this.answer([w], committed);
  }

  /** Once committed, each caller gets its result, or all of them the error: never a second write. */
  private answer(batch: Waiting<I, O>[], committed: C): void {
    let out: O[];
    try {
      out = this.interpret(
        committed,
        batch.map((w) => w.input),
      );
      if (out.length !== batch.length) throw new Error(`group commit: ${out.length} results for ${batch.length} inputs`);
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    batch.forEach((w, i) => {
      w.resolve(out[i] as O);
    });
  }
}
