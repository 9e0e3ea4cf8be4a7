// A worker's side of the cache-invalidation relay (TESSERA_WORKERS > 1 without Redis): what one worker
// changes, every other worker applies before the changing request is answered. The primary forwards the
// message to the others and reports back once each has applied it, so an admin's "key deleted" is true
// on every worker by the time the admin reads the 204 — the same promise Redis's publish + sync gives
// instances on several machines.
import { primaryChannel, isClusterMessage, type ClusterMessage } from './messages.ts';

/** How long a change waits for the other workers; past it the change still stands, the TTL is the backstop. */
const BROADCAST_TIMEOUT_MS = 1000;

export class WorkerPeer {
  private next = 0;
  private readonly waiting = new Map<string, () => void>();
  private handler: ((text: string) => void) | undefined;

  constructor(private readonly send: (message: ClusterMessage) => void) {}

  /** The peer of this process when it is a cluster worker (it has an IPC channel); else undefined. */
  static ofThisProcess(): WorkerPeer | undefined {
    const channel = primaryChannel();
    if (!channel) return undefined;
    const peer = new WorkerPeer(channel.send);
    channel.onMessage((message) => {
      peer.receive(message);
    });
    return peer;
  }

  /** What to do with an invalidation another worker made. */
  onInvalidate(handler: (text: string) => void): void {
    this.handler = handler;
  }

  /** Resolves true once every other worker applied `text`, false if they did not answer in time. */
  broadcast(text: string): Promise<boolean> {
    const id = String(this.next++);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(false);
      }, BROADCAST_TIMEOUT_MS);
      timer.unref();
      this.waiting.set(id, () => {
        clearTimeout(timer);
        resolve(true);
      });
      this.send({ tessera: 'invalidate', id, text });
    });
  }

  /** Handles one IPC message; anything not ours (the rate limiter's) is ignored here. */
  receive(message: unknown): void {
    if (!isClusterMessage(message)) return;
    if (message.tessera === 'invalidate') {
      this.handler?.(message.text);
      this.send({ tessera: 'invalidated', id: message.id });
    } else if (message.tessera === 'invalidate-done') {
      const done = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      done?.();
    }
  }
}
