// The primary's rate-limit counters for TESSERA_WORKERS > 1 without Redis. Workers do not ask it once per
// request (an IPC round trip each way cost ~250–300 µs of CPU per request, more than the request itself,
// see docs/benchmarks.md): they lease a few points of a key at a time and spend them locally
// (leased-limiter.ts). The bank keeps one fixed window per limiter and key and never hands out more
// than the limit in a window, so N workers still admit at most the limit between them.
//
// Lease sizes shrink as a key nears its limit: a key with plenty left is leased in chunks; near the end
// every grant is a single point, consumed by the very request that asked for it. So the points that can
// sit unused in another worker are few, they go back to the bank after a short time
// (leased-limiter.ts), and the last requests of a window are counted exactly as one process would.
import type { LeaseGrant, LeaseRequest, LeaseReset, LeaseReturn } from './messages.ts';

interface Window {
  used: number;
  resetAt: number;
}

/** The most points one grant hands out, whatever the limit. */
const MAX_CHUNK = 32;

/** How many points to lease at once for a limit of `points` shared by `workers`; 1 = no leasing. */
export function chunkFor(points: number, workers: number): number {
  return Math.max(1, Math.min(MAX_CHUNK, Math.floor(points / (4 * workers))));
}

export class LeaseBank {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly workers: number,
    private readonly now: () => number = Date.now,
  ) {
    // Ended windows are dropped once a second, so keys seen once do not stay in memory.
    this.sweeper = setInterval(() => {
      this.sweep();
    }, 1000);
    this.sweeper.unref();
  }

  grant(req: LeaseRequest): LeaseGrant {
    const window = this.window(`${req.limiter}\u0000${req.key}`, req.duration);
    const remaining = req.points - window.used;
    const chunk = chunkFor(req.points, this.workers);
    // A chunk only while, after it, every worker could still take one: else one point at a time.
    const granted = remaining <= 0 ? 0 : remaining - chunk >= this.workers * chunk ? chunk : 1;
    window.used += granted;
    return { tessera: 'leased', id: req.id, granted, remaining: req.points - window.used, resetAt: window.resetAt };
  }

  /** Unused points come back only into the window they were leased from. */
  giveBack(ret: LeaseReturn): void {
    const window = this.windows.get(`${ret.limiter}\u0000${ret.key}`);
    if (window?.resetAt !== ret.resetAt || ret.points <= 0) return;
    window.used = Math.max(0, window.used - ret.points);
  }

  reset(req: LeaseReset): void {
    this.windows.delete(`${req.limiter}\u0000${req.key}`);
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  private window(id: string, duration: number): Window {
    const now = this.now();
    let window = this.windows.get(id);
    if (!window || window.resetAt <= now) {
      window = { used: 0, resetAt: now + duration * 1000 };
      this.windows.set(id, window);
    }
    return window;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, window] of this.windows) if (window.resetAt <= now) this.windows.delete(id);
  }
}
