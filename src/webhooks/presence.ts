// Which event types each organization's enabled webhooks take, cached per instance, so the paths
// every sign-in runs (the group-committed sign-in record, refusals) add no statement at all for an
// organization without webhooks. Entries live 60 s and are dropped on the invalidation bus
// (`webhooks:<org id>`, published by every webhook create, change and delete; `all`), like the other
// caches (docs/architecture.md, Caches and invalidation). An organization not cached yet counts as
// "maybe": the event is written (the outbox fans it out by SQL, so nothing is lost) while the entry
// loads in the background; an entry in use is reloaded before it expires. So an organization without
// webhooks gets at most one event row with no delivery per instance start or webhook change.
import type { Db } from '../db/client.ts';
import type { InvalidationBus } from '../db/invalidation.ts';
import type { Logger } from '../http/log.ts';
import { parseStringArray } from '../http/present.ts';
import { subscribes } from './events.ts';

const TTL_MS = 60_000;
const REFRESH_AHEAD_MS = 15_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  events: string[];
  until: number;
}

export class WebhookPresence {
  private readonly byOrg = new Map<string, Entry>();
  private readonly loading = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly bus: InvalidationBus,
    private readonly logger: Logger,
  ) {
    bus.onInvalidate((m) => {
      if (m.kind === 'all') this.byOrg.clear();
      else if (m.kind === 'webhooks') this.byOrg.delete(m.id);
    });
  }

  /** False only when the organization is known to have no enabled webhook taking `type`. Synchronous. */
  mayReceive(organizationId: string, type: string): boolean {
    const entry = this.byOrg.get(organizationId);
    const now = Date.now();
    if (entry && entry.until > now) {
      // Reloaded ahead of expiry while in use: a busy organization never falls back to "maybe".
      if (entry.until - now < REFRESH_AHEAD_MS) this.load(organizationId);
      return subscribes(entry.events, type);
    }
    this.load(organizationId);
    return true;
  }

  /** Every instance forgets the organization's entry (after its webhooks changed). */
  async changed(organizationId: string): Promise<void> {
    await this.bus.publish({ kind: 'webhooks', id: organizationId });
  }

  private load(organizationId: string): void {
    if (this.loading.has(organizationId)) return;
    this.loading.add(organizationId);
    const mark = this.bus.mark();
    this.db.webhook
      .findMany({ where: { organizationId, enabled: true }, select: { events: true } })
      .then((rows) => {
        // A load that overlapped an invalidation may have read the old rows: use nothing of it.
        if (!this.bus.unchangedSince(mark)) return;
        if (this.byOrg.size >= MAX_ENTRIES) this.byOrg.clear();
        this.byOrg.set(organizationId, { events: [...new Set(rows.flatMap((r) => parseStringArray(r.events)))], until: Date.now() + TTL_MS });
      })
      .catch((err: unknown) => {
        this.logger.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'could not load the webhooks of an organization');
      })
      .finally(() => {
        this.loading.delete(organizationId);
      });
  }
}
