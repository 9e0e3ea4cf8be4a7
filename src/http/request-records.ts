// Per-request bookkeeping (the access-log line and the duration histogram) is done after the response
// is on its way, for all the requests an event-loop turn finished, together: records are queued as
// requests finish and written at the end of the turn (setImmediate). The response is never held back
// by it, and one pass over many records keeps the code hot in the CPU's caches instead of running it
// cold between two trips through the kernel's network stack.
//
// The access line is the one log line every request pays for, so it is formatted here rather than by
// pino's generic serializer: the same bytes pino writes for `logger.info(record, 'request')` (its level
// prefix, time function and bindings, then the record's fields and the message, in pino's order; a
// test holds the two equal), built from a template and handed to the logger's own destination, without
// pino's per-call walk over the record's keys, type switch and key escaping.
import pino from 'pino';
import type { Logger } from './log.ts';

/** What the access log says of one request: route templates only, never a raw URL; `ms` exact. */
export interface RequestRecord {
  reqId: string;
  method: string;
  route: string;
  status: number;
  ms: number;
}

const INFO = pino.levels.values.info ?? 30;

/** pino's pieces of a line at level info, read from the logger itself. */
function lineParts(logger: Logger): { prefix: () => string; bindings: string; write: (s: string) => void } {
  const own = logger as unknown as Record<symbol, unknown>;
  const levelPrefix = (own[pino.symbols.lsCacheSym] as Record<number, string>)[INFO];
  const time = own[pino.symbols.timeSym] as () => string;
  const stream = own[pino.symbols.streamSym] as { write(s: string): unknown } | undefined;
  const bindings = own[pino.symbols.chindingsSym] ?? '';
  if (typeof levelPrefix !== 'string' || typeof time !== 'function' || typeof stream?.write !== 'function' || typeof bindings !== 'string')
    throw new Error('pino internals changed: access lines cannot be written');
  return { prefix: () => levelPrefix + time.call(logger), bindings, write: (s) => stream.write(s) };
}

/** The access line's duration: milliseconds to 0.1. */
const rounded = (ms: number): number => Math.round(ms * 10) / 10;

export class RequestRecords {
  private records: RequestRecord[] = [];
  private readonly parts: ReturnType<typeof lineParts> | null;
  /** `,"route":"…"` per route template (they are few: unmatched paths share one). */
  private readonly routeFields = new Map<string, string>();

  /** `fast` false: every line through `logger.info` (the public API; see http/internals.ts). */
  constructor(
    private readonly logger: Logger,
    private readonly observe?: (record: RequestRecord) => void,
    fast = true,
  ) {
    this.parts = fast ? lineParts(logger) : null;
  }

  add(reqId: string, method: string, route: string, status: number, ms: number): void {
    if (this.records.push({ reqId, method, route, status, ms }) === 1) setImmediate(this.flush);
  }

  /** Writes and observes everything queued (also called on shutdown). */
  readonly flush = (): void => {
    const records = this.records;
    if (records.length === 0) return;
    this.records = [];
    if (this.observe) for (const r of records) this.observe(r);
    if (!this.logger.isLevelEnabled('info')) return;
    const parts = this.parts;
    // The public path: pino builds the same line itself.
    if (!parts) for (const r of records) this.logger.info({ reqId: r.reqId, method: r.method, route: r.route, status: r.status, ms: rounded(r.ms) }, 'request');
    // One line per write, as pino itself writes: destinations may rely on it.
    else for (const r of records) parts.write(this.line(r, parts));
  };

  /** `logger.info({ ...r, ms: <r.ms to 0.1 ms> }, 'request')`, byte for byte. */
  line(r: RequestRecord, parts = this.parts ?? lineParts(this.logger)): string {
    let route = this.routeFields.get(r.route);
    if (route === undefined) this.routeFields.set(r.route, (route = `,"route":${JSON.stringify(r.route)}`));
    return `${parts.prefix()}${parts.bindings},"reqId":${JSON.stringify(r.reqId)},"method":${JSON.stringify(r.method)}${route},"status":${r.status},"ms":${rounded(r.ms)},"msg":"request"}\n`;
  }
}
