// Access-log records are queued as requests finish and written together at the end of the turn.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.ts';
import { RequestRecords } from './request-records.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, logger: createLogger('info', dest) };
}

describe('request records', () => {
  it('writes every record of a turn once, after the turn, with the rounded time in the log and the exact one observed', async () => {
    const { lines, logger } = capture();
    const observed: [string, number, number][] = [];
    const records = new RequestRecords(logger, (r) => observed.push([r.reqId, r.status, r.ms]));
    records.add('req-1', 'GET', '/api/service/info', 200, 0.123456);
    records.add('req-2', 'POST', 'unmatched', 404, 12.349);
    expect(lines).toHaveLength(0);
    expect(observed).toHaveLength(0);
    await new Promise((r) => setImmediate(r));
    expect(observed).toEqual([
      ['req-1', 200, 0.123456],
      ['req-2', 404, 12.349],
    ]);
    expect(lines.map((l) => [l.msg, l.reqId, l.method, l.route, l.status, l.ms])).toEqual([
      ['request', 'req-1', 'GET', '/api/service/info', 200, 0.1],
      ['request', 'req-2', 'POST', 'unmatched', 404, 12.3],
    ]);
    expect(typeof lines[0]?.time).toBe('string');
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(2); // nothing written twice
  });

  it('flush() writes what is queued at once (shutdown)', () => {
    const { lines, logger } = capture();
    const records = new RequestRecords(logger);
    records.add('req-3', 'GET', '/healthz', 200, 1);
    records.flush();
    expect(lines.map((l) => l.reqId)).toEqual(['req-3']);
  });

  it('writes nothing below the info level', async () => {
    const lines: string[] = [];
    const records = new RequestRecords(
      createLogger(
        'warn',
        new Writable({
          write(chunk: Buffer, _e, cb) {
            lines.push(chunk.toString());
            cb();
          },
        }),
      ),
    );
    records.add('req-4', 'GET', '/healthz', 200, 1);
    await new Promise((r) => setImmediate(r));
    expect(lines).toEqual([]);
  });
});

describe('the access line', () => {
  it('is byte for byte what pino writes for logger.info(record, "request"), but for the time', () => {
    const { logger } = capture();
    const raw: string[] = [];
    const pinoLogger = createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _e, cb) {
          raw.push(chunk.toString());
          cb();
        },
      }),
    );
    const records = new RequestRecords(logger);
    const samples = [
      { reqId: '3b5a3c5e-0d4e-4a57-9f53-8a7d86d2b1c9', method: 'GET', route: '/api/service/info', status: 200, ms: 0.2 },
      { reqId: 'client.supplied:id-123', method: 'DELETE', route: '/api/service/users/:userId', status: 204, ms: 12 },
      { reqId: 'abcdefgh', method: 'POST', route: 'unmatched', status: 404, ms: 1234.5 },
      { reqId: 'abcdefgh', method: 'GET', route: '/odd "route" \\ with\ttab and é', status: 500, ms: 0 },
    ];
    const noTime = (line: string) => line.replace(/,"time":"[^"]*"/, '');
    for (const r of samples) {
      pinoLogger.info(r, 'request');
      const ours = records.line(r);
      expect(noTime(ours)).toBe(noTime(raw.at(-1) ?? ''));
      expect(ours).toMatch(/^\{"level":30,"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","service":"tessera",/);
      expect(JSON.parse(ours)).toMatchObject({ ...r, msg: 'request' });
    }
  });
});
