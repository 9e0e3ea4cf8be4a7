// Per-request bookkeeping (the access-log line and the duration histogram) is done after the response
// is on its way, for all the requests an event-loop turn finished, together: records are queued as
// requests finish and written at the end of the turn (setImmediate). The response is never held back
// by it, and one pass over many records keeps pino's and prom-client's code hot in the CPU's caches
// instead of running it cold between two trips through the kernel's network stack.
import type { Logger } from './log.ts';

/** What the access log says of one request: route templates only, never a raw URL. */
export interface RequestRecord { reqId: string; method: string; route: string; status: number; ms: number }

export class RequestRecords {
  private records: RequestRecord[] = [];
  /** Exact durations (ms) beside the records, whose `ms` is rounded for the log. */
  private durations: number[] = [];

  constructor(private readonly logger: Logger, private readonly observe?: (record: RequestRecord, ms: number) => void) {}

  add(reqId: string, method: string, route: string, status: number, ms: number): void {
    if (this.records.push({ reqId, method, route, status, ms: Math.round(ms * 10) / 10 }) === 1) setImmediate(this.flush);
    this.durations.push(ms);
  }

  /** Writes and observes everything queued (also called on shutdown). */
  readonly flush = (): void => {
    const records = this.records;
    const durations = this.durations;
    if (records.length === 0) return;
    this.records = [];
    this.durations = [];
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as RequestRecord;
      this.observe?.(record, durations[i] ?? record.ms);
      this.logger.info(record, 'request');
    }
  };
}
