// TESSERA_WORKERS=N: the primary process migrates the database once, then runs N workers that share the
// port (Node's cluster hands each new connection to the next worker in turn) and the database. What the
// workers must agree on without Redis goes through the primary:
//  - cache invalidations (db/invalidation.ts → worker-peer.ts → the relay below), acknowledged by every
//    worker before the request that caused them is answered;
//  - rate limits: one set of counters in the primary (lease-bank.ts), leased to the workers a few points
//    at a time, so N workers do not allow N times the limit;
//  - sessions, pending requests and the replay cache already live in the database.
// A worker that dies is replaced; SIGTERM/SIGINT stop every worker gracefully, then the primary.
import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config/index.ts';
import { migrate } from '../db/migrate.ts';
import { createLogger, flushLogs, type Logger } from '../http/log.ts';
import { LeaseBank } from './lease-bank.ts';
import { isClusterMessage } from './messages.ts';

const RESTART_DELAY_MS = 1000;
/** Workers get the single-process grace (8 s) to drain; past this they are killed. */
const STOP_TIMEOUT_MS = 10_000;

/** Forwards each worker's invalidations to the others and tells the sender once all applied them. */
export class InvalidationRelay {
  private readonly pending = new Map<string, { origin: Worker; id: string; waiting: Set<number> }>();

  constructor(private readonly workers: () => Worker[]) {}

  handle(from: Worker, message: unknown): void {
    if (!isClusterMessage(message)) return;
    if (message.tessera === 'invalidate') {
      const key = `${String(from.id)}:${message.id}`;
      const others = this.workers().filter((w) => w.id !== from.id && w.isConnected());
      this.pending.set(key, { origin: from, id: message.id, waiting: new Set(others.map((w) => w.id)) });
      for (const w of others) w.send({ tessera: 'invalidate', id: key, text: message.text });
      this.settle(key);
    } else if (message.tessera === 'invalidated') {
      this.pending.get(message.id)?.waiting.delete(from.id);
      this.settle(message.id);
    }
  }

  /** A worker that is gone applies nothing more: stop waiting for it. */
  forget(worker: Worker): void {
    for (const [key, entry] of this.pending) {
      entry.waiting.delete(worker.id);
      this.settle(key);
    }
  }

  private settle(key: string): void {
    const entry = this.pending.get(key);
    if (!entry || entry.waiting.size > 0) return;
    this.pending.delete(key);
    if (entry.origin.isConnected()) entry.origin.send({ tessera: 'invalidate-done', id: entry.id });
  }
}

export async function runPrimary(config: Config, count: number, onReady: () => void): Promise<void> {
  const logger = createLogger(config.logLevel);
  const applied = await migrate(config.databaseUrl);
  if (applied.length) logger.info({ migrations: applied }, 'applied database migrations');
  // Holds the rate-limit counters of every worker; created before any worker asks.
  const bank = new LeaseBank(count);
  const relay = new InvalidationRelay(() => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined));
  let stopping = false;
  const ready = new Set<number>();
  let announced = false;

  const fork = (slot: number) => {
    const worker = cluster.fork({ TESSERA_WORKER_ID: String(slot), TESSERA_WORKER_COUNT: String(count) });
    worker.on('message', (message: unknown) => {
      if (!isClusterMessage(message)) return;
      // A worker that died after asking has no channel left to answer on (send would throw in the primary).
      if (message.tessera === 'lease') {
        if (worker.isConnected()) worker.send(bank.grant(message));
      } else if (message.tessera === 'lease-return') bank.giveBack(message);
      else if (message.tessera === 'lease-reset') bank.reset(message);
      else relay.handle(worker, message);
      if (message.tessera === 'ready') {
        ready.add(worker.id);
        if (!announced && ready.size === count) {
          announced = true;
          logger.info({ url: message.url, workers: count }, 'tessera is listening');
          onReady();
        }
      }
    });
    worker.on('exit', (code, signal) => {
      relay.forget(worker);
      ready.delete(worker.id);
      if (stopping) return;
      logger.error({ worker: slot, code, signal }, 'worker exited; starting a new one');
      setTimeout(() => {
        if (!stopping) fork(slot);
      }, RESTART_DELAY_MS).unref();
    });
  };
  // V8's serializer for IPC instead of JSON: lease requests and grants cross it often.
  cluster.setupPrimary({ serialization: 'advanced' });
  for (let slot = 0; slot < count; slot++) fork(slot);

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: count }, 'shutting down: stopping workers');
    void stopWorkers(logger).then((clean) => {
      flushLogs(logger);
      process.exit(clean ? 0 : 1);
    });
  };
  process.on('SIGTERM', () => {
    stop('SIGTERM');
  });
  process.on('SIGINT', () => {
    stop('SIGINT');
  });
}

/** SIGTERM to every worker (each drains as a single process does); true when all exited in time. */
function stopWorkers(logger: Logger): Promise<boolean> {
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
  return new Promise<boolean>((resolve) => {
    let left = workers.length;
    if (left === 0) {
      resolve(true);
      return;
    }
    const timer = setTimeout(() => {
      logger.error({ workers: left }, 'workers did not stop in time; killing them');
      for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
      resolve(false);
    }, STOP_TIMEOUT_MS);
    for (const w of workers) {
      w.once('exit', () => {
        if (--left === 0) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      w.process.kill('SIGTERM');
    }
  });
}
