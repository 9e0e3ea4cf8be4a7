// The messages the primary and its workers exchange over Node's cluster IPC (TESSERA_WORKERS > 1).
// rate-limiter-flexible's cluster limiter has its own messages on the same channel (`channel` field).

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

export type ClusterMessage = InvalidateRequest | InvalidateAck | InvalidateDone | WorkerReady;

export function isClusterMessage(value: unknown): value is ClusterMessage {
  if (typeof value !== 'object' || value === null || !('tessera' in value)) return false;
  const kind = value.tessera;
  return kind === 'invalidate' || kind === 'invalidated' || kind === 'invalidate-done' || kind === 'ready';
}
