// Group commit: writes submitted by concurrent requests in the same turn of the event loop are
// written together, in one transaction of multi-row statements, and every caller is answered only
// after that transaction committed, exactly as if it had committed alone. Under load one commit
// serves many sign-ins; a lone request waits for nothing but its own write (one setImmediate).
//
// `write` receives the batch and returns one result per input, in order. If a batch fails, its inputs
// are retried one by one, so one bad input (say, a user deleted meanwhile) fails only its own caller.

interface Waiting<I, O> { input: I; resolve: (o: O) => void; reject: (e: unknown) => void }

export class GroupCommit<I, O> {
  private queue: Waiting<I, O>[] = [];
  private draining = false;
  /** `onBatch` hears each batch's size (a metrics histogram). */
  constructor(private readonly write: (batch: I[]) => Promise<O[]>, private readonly onBatch: (size: number) => void = () => undefined, private readonly maxBatch = 64) {}

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
      try {
        const out = await this.write(batch.map((w) => w.input));
        if (out.length !== batch.length) throw new Error(`group commit: ${out.length} results for ${batch.length} inputs`);
        batch.forEach((w, i) => w.resolve(out[i] as O));
      } catch (err) {
        if (batch.length === 1) batch[0]?.reject(err);
        else for (const w of batch) await this.alone(w);
      }
    }
    this.draining = false;
  }

  private async alone(w: Waiting<I, O>): Promise<void> {
    try {
      const [o] = await this.write([w.input]);
      w.resolve(o as O);
    } catch (err) {
      w.reject(err);
    }
  }
}
