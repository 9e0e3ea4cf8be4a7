// The messages the primary and its workers exchange over Node's cluster IPC (TESSERA_WORKERS > 1).

/** A worker asks every other worker to apply a cache invalidation (db/invalidation.ts). */
export interface InvalidateRequest {
  tessera: 'invalidate';
  /** Unique per sender; the primary adds the sender's id when it forwards. */
  id: string;
  text: string;
}
/** A worker applied a forwarded invalidation. */
export interface InvalidateAck {
  tessera: 'invalidated';
  id: string;
}
/** Every other worker applied the sender's invalidation (or is gone). */
export interface InvalidateDone {
  tessera: 'invalidate-done';
  id: string;
}
/** A worker is listening and ready for requests. */
export interface WorkerReady {
  tessera: 'ready';
  url: string;
}

/** A worker asks the primary for points of one limiter key (cluster/lease-bank.ts). */
export interface LeaseRequest {
  tessera: 'lease';
  /** Unique per sender, echoed in the grant. */
  id: string;
  limiter: string;
  key: string;
  /** The limiter's points and window (seconds): the primary keeps the counters, the workers the specs. */
  points: number;
  duration: number;
}
/** The primary's answer: `granted` points (0 = refused) of the window that ends at `resetAt` (ms). */
export interface LeaseGrant {
  tessera: 'leased';
  id: string;
  granted: number;
  /** Points left in the primary after this grant (the other workers' leases already taken out). */
  remaining: number;
  resetAt: number;
}
/** Points a worker leased and did not use, given back while their window still runs. */
export interface LeaseReturn {
  tessera: 'lease-return';
  limiter: string;
  key: string;
  points: number;
  resetAt: number;
}
/** Limiter.reset(): the key starts over (after a successful sign-in, for instance). */
export interface LeaseReset {
  tessera: 'lease-reset';
  limiter: string;
  key: string;
}

export type ClusterMessage = InvalidateRequest | InvalidateAck | InvalidateDone | WorkerReady | LeaseRequest | LeaseGrant | LeaseReturn | LeaseReset;

const KINDS = new Set<unknown>(['invalidate', 'invalidated', 'invalidate-done', 'ready', 'lease', 'leased', 'lease-return', 'lease-reset']);

export function isClusterMessage(value: unknown): value is ClusterMessage {
  return typeof value === 'object' && value !== null && 'tessera' in value && KINDS.has(value.tessera);
}

/**
 * This process's IPC channel to the primary when it is a TESSERA_WORKERS worker: how to send, and a
 * subscription to what arrives (each receiver ignores the messages that are not its own). Undefined
 * in a single process.
 */
export function primaryChannel(): { send: (message: ClusterMessage) => void; onMessage: (receive: (message: unknown) => void) => void } | undefined {
  const send = process.send?.bind(process);
  if (!send || process.env.TESSERA_WORKER_ID === undefined) return undefined;
  return {
    send: (message) => {
      send(message);
    },
    onMessage: (receive) => {
      process.on('message', receive);
    },
  };
}
