// Resident memory of the servers (issue 20 item 4): each server's RSS once idle after start and at the
// end of the run, Tessera's after every round, and a leak check: RSS after the last round within 10 %
// of RSS after round 2 (round 1 still grows caches, JIT code and the heap to its working size, so it is
// not the reference). A full run has 5 rounds, so that is round 5 against round 2.
import { rssMiB } from './lib.ts';

export const LEAK_TOLERANCE = 0.1;

export interface Memory {
  /** MiB, idle after start (1 s after /healthz answered) and after the last round. */
  bare: { start: number; end: number };
  tessera: { start: number; end: number };
  /** Tessera's RSS after each round, MiB. */
  tesseraPerRound: number[];
}

export interface LeakCheck {
  /** Round numbers compared (1-based). */
  from: number;
  to: number;
  fromMiB: number;
  toMiB: number;
  /** (to − from) ÷ from. */
  growth: number;
  pass: boolean;
}

/** Records what the bench needs, from /proc (Linux). */
export class MemoryLog {
  private readonly memory: Memory = { bare: { start: 0, end: 0 }, tessera: { start: 0, end: 0 }, tesseraPerRound: [] };

  constructor(private readonly pids: { bare: number | undefined; tessera: number | undefined }) {}

  started(): void {
    this.memory.bare.start = rssMiB(this.pids.bare);
    this.memory.tessera.start = rssMiB(this.pids.tessera);
  }

  roundDone(): number {
    const rss = rssMiB(this.pids.tessera);
    this.memory.tesseraPerRound.push(rss);
    return rss;
  }

  ended(): Memory {
    this.memory.bare.end = rssMiB(this.pids.bare);
    this.memory.tessera.end = rssMiB(this.pids.tessera);
    return this.memory;
  }
}

/** Round 2 against the last round; undefined with fewer than 3 rounds (nothing to compare). */
export function leakCheck(memory: Memory): LeakCheck | undefined {
  const rounds = memory.tesseraPerRound;
  if (rounds.length < 3) return undefined;
  const fromMiB = rounds[1] ?? 0;
  const toMiB = rounds.at(-1) ?? 0;
  const growth = fromMiB > 0 ? (toMiB - fromMiB) / fromMiB : 0;
  return { from: 2, to: rounds.length, fromMiB, toMiB, growth, pass: fromMiB > 0 && growth <= LEAK_TOLERANCE };
}

export function describeMemory(memory: Memory, leak: LeakCheck | undefined): string[] {
  const mib = (x: number) => `${x.toFixed(0)} MiB`;
  const lines = [
    `RSS, idle after start → end of the run: bare Koa ${mib(memory.bare.start)} → ${mib(memory.bare.end)}, Tessera ${mib(memory.tessera.start)} → ${mib(memory.tessera.end)}`,
    `Tessera RSS after each round: ${memory.tesseraPerRound.map(mib).join(', ')}`,
  ];
  if (leak) {
    const sign = leak.growth >= 0 ? '+' : '';
    lines.push(
      `Leak check (RSS after round ${String(leak.to)} within ${String(LEAK_TOLERANCE * 100)} % of after round ${String(leak.from)}): ${leak.pass ? 'PASS' : 'FAIL'} — ${mib(leak.fromMiB)} → ${mib(leak.toMiB)} (${sign}${(leak.growth * 100).toFixed(1)} %)`,
    );
  } else lines.push('Leak check: needs at least 3 rounds');
  return lines;
}
