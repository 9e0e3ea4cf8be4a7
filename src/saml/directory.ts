// The SAML view of a service: organization, service, parsed settings, published URLs and the active
// signing key. Every SSO, SLO and metadata request needs it and it changes only when an admin changes
// it, so it is kept in process: entries are dropped at once by the invalidation bus (here, and with
// REDIS_URL on every instance, with a barrier before each use), and a TTL is the backstop. A service
// that is missing or has SAML disabled is never cached: enabling it takes effect on the next request.
import type { Db } from '../db/client.ts';
import type { Invalidation, InvalidationBus } from '../db/invalidation.ts';
import { Slug } from '../http/validate.ts';
import type { SigningKeys } from './certificates.ts';
import { idpUrls, settingsFrom } from './settings.ts';
import type { ResolvedService } from './pipeline/types.ts';
import { refuse } from './pipeline/reasons.ts';

const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  target: ResolvedService;
  cachedAt: number;
}

const isSlug = (v: string) => Slug.safeParse(v).success;

export class SamlDirectory {
  private readonly bySlugs = new Map<string, Entry>();
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
    const hit = trusted ? this.fresh(this.bySlugs.get(slugs)) : null;
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

  /** The same for a service known by id (a logout participant, a pending sign-in): null when gone or disabled. */
  async byId(serviceId: string): Promise<ResolvedService | null> {
    const trusted = await this.bus.sync();
    const slugs = this.slugsById.get(serviceId);
    const hit = slugs === undefined || !trusted ? null : this.fresh(this.bySlugs.get(slugs));
    // The slugs may have passed to another service since (renamed or deleted and re-created).
    if (hit && hit.service.id === serviceId) return hit;
    const mark = this.bus.mark();
    const service = await this.db.service.findUnique({ where: { id: serviceId }, include: { samlConfig: true, organization: true } });
    if (!service?.samlConfig?.enabled) return null;
    const { samlConfig, organization, ...plain } = service;
    return this.keep(mark, await this.build(organization, plain, samlConfig));
  }

  private fresh(e: Entry | undefined): ResolvedService | null {
    return e && Date.now() - e.cachedAt <= TTL_MS ? e.target : null;
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
      if (this.bySlugs.size >= MAX_ENTRIES) this.drop({ kind: 'all' });
      const previous = this.bySlugs.get(slugs)?.target.service.id;
      if (previous !== undefined && previous !== target.service.id) this.slugsById.delete(previous);
      this.bySlugs.set(slugs, { target, cachedAt: Date.now() });
      this.slugsById.set(target.service.id, slugs);
    }
    return target;
  }

  private drop(m: Invalidation): void {
    if (m.kind === 'key') return;
    for (const [k, e] of this.bySlugs) {
      if (m.kind === 'all' || (m.kind === 'service' ? e.target.service.id : e.target.org.id) === m.id) {
        this.bySlugs.delete(k);
        this.slugsById.delete(e.target.service.id);
      }
    }
  }
}
