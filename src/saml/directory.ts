// The SAML view of a service: organization, service, parsed settings, published URLs and the active
// signing key. Every SSO, SLO and metadata request needs it and it changes only when an admin changes
// it, so it is kept in process: entries are dropped at once by the invalidation bus (here, and with
// REDIS_URL on every instance, with a barrier before each use), and a TTL is the backstop. A service
// that is missing or has SAML disabled is never cached: enabling it takes effect on the next request.
import { LRUCache } from 'lru-cache';
import type { Db } from '../db/client.ts';
import type { Invalidation, InvalidationBus } from '../db/invalidation.ts';
import { Slug } from '../http/validate.ts';
import type { SigningKeys } from './certificates.ts';
import { idpUrls, settingsFrom } from './settings.ts';
import type { ResolvedService } from './pipeline/types.ts';
import { refuse } from './pipeline/reasons.ts';

const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

const isSlug = (v: string) => Slug.safeParse(v).success;

export class SamlDirectory {
  /**
   * By "org/service" slugs, at most MAX_ENTRIES, each for TTL_MS: when full, the least recently used
   * service goes (one reload if it comes back), never the whole directory at once. slugsById finds an
   * entry from a service id and loses it with its entry.
   */
  private slugCache: LRUCache<string, ResolvedService> | undefined;
  /** Built on first use: lru-cache allocates its arrays for `max` entries up front. */
  private get bySlugs(): LRUCache<string, ResolvedService> {
    return (this.slugCache ??= new LRUCache<string, ResolvedService>({
      max: MAX_ENTRIES,
      ttl: TTL_MS,
      dispose: (target, slugs, reason) => {
        if (reason !== 'set' && this.slugsById.get(target.service.id) === slugs) this.slugsById.delete(target.service.id);
      },
    }));
  }
  private readonly slugsById = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly config: { publicUrl: string },
    private readonly keys: SigningKeys,
    private readonly bus: InvalidationBus,
  ) {
    bus.onInvalidate((m) => {
      this.drop(m);
    });
  }

  /** The organization and service named in a URL, with SAML enabled; otherwise 404. */
  async resolve(orgSlug: string, serviceSlug: string): Promise<ResolvedService> {
    if (!isSlug(orgSlug) || !isSlug(serviceSlug)) throw refuse('unknown_service', 'No SAML service here');
    const slugs = `${orgSlug}/${serviceSlug}`;
    const trusted = await this.bus.sync();
    const hit = trusted ? this.bySlugs.get(slugs) : undefined;
    if (hit) return hit;
    const mark = this.bus.mark();
    const org = await this.db.organization.findUnique({ where: { slug: orgSlug } });
    const service = org
      ? await this.db.service.findUnique({ where: { organizationId_slug: { organizationId: org.id, slug: serviceSlug } }, include: { samlConfig: true } })
      : null;
    if (!org || !service?.samlConfig?.enabled) throw refuse('unknown_service', 'No SAML service here');
    const { samlConfig, ...plain } = service;
    return this.keep(mark, await this.build(org, plain, samlConfig));
  }

  /**
   * Whose sign-in activity a request to these slugs belongs to (audit/saml-activity.ts): the
   * organization, and the service when the organization has one by that slug (SAML enabled or not),
   * else null for the service; null when no organization has the slug. A service in the cache answers
   * without a query, so a flood of refusals for a known service reads nothing; otherwise one read
   * covers both, including a known organization with an unknown service.
   */
  async owner(orgSlug: string, serviceSlug: string): Promise<{ organizationId: string; serviceId: string | null } | null> {
    if (!isSlug(orgSlug)) return null;
    const hit = isSlug(serviceSlug) && (await this.bus.sync()) ? this.bySlugs.get(`${orgSlug}/${serviceSlug}`) : undefined;
    if (hit) return { organizationId: hit.org.id, serviceId: hit.service.id };
    const org = await this.db.organization.findUnique({
      where: { slug: orgSlug },
      select: { id: true, services: { where: { slug: serviceSlug }, select: { id: true }, take: 1 } },
    });
    return org ? { organizationId: org.id, serviceId: org.services[0]?.id ?? null } : null;
  }

  /** The same for a service known by id (a logout participant, a pending sign-in): null when gone or disabled. */
  async byId(serviceId: string): Promise<ResolvedService | null> {
    const trusted = await this.bus.sync();
    const slugs = this.slugsById.get(serviceId);
    const hit = slugs === undefined || !trusted ? undefined : this.bySlugs.get(slugs);
    // The slugs may have passed to another service since (renamed or deleted and re-created).
    if (hit && hit.service.id === serviceId) return hit;
    const mark = this.bus.mark();
    const service = await this.db.service.findUnique({ where: { id: serviceId }, include: { samlConfig: true, organization: true } });
    if (!service?.samlConfig?.enabled) return null;
    const { samlConfig, organization, ...plain } = service;
    return this.keep(mark, await this.build(organization, plain, samlConfig));
  }

  private async build(
    org: ResolvedService['org'],
    service: ResolvedService['service'],
    samlConfig: Parameters<typeof settingsFrom>[0],
  ): Promise<ResolvedService> {
    return {
      org,
      service,
      settings: settingsFrom(samlConfig),
      urls: idpUrls(this.config.publicUrl, org.slug, service.slug),
      signingKey: await this.keys.active(service.id),
    };
  }

  /** Cached only when nothing was invalidated while loading, and only with a usable signing key. */
  private keep(mark: number, target: ResolvedService): ResolvedService {
    const slugs = `${target.org.slug}/${target.service.slug}`;
    if (target.signingKey && this.bus.unchangedSince(mark)) {
      const previous = this.bySlugs.peek(slugs)?.service.id;
      if (previous !== undefined && previous !== target.service.id) this.slugsById.delete(previous);
      this.bySlugs.set(slugs, target);
      this.slugsById.set(target.service.id, slugs);
    }
    return target;
  }

  private drop(m: Invalidation): void {
    if (m.kind === 'key' || m.kind === 'webhooks' || m.kind === 'factors') return;
    if (m.kind === 'all') {
      this.slugCache?.clear();
      this.slugsById.clear();
      return;
    }
    // Keys collected first: the cache is not changed while it is being walked.
    const gone = [...(this.slugCache?.entries() ?? [])].filter(([, t]) => (m.kind === 'service' ? t.service.id : t.org.id) === m.id).map(([k]) => k);
    for (const k of gone) this.slugCache?.delete(k);
  }
}
