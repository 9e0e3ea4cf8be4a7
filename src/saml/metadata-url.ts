// SP metadata by URL (CONTRACT §14, SECURITY.md 44): fetched through the outbound guard (https, public
// addresses only unless TESSERA_OUTBOUND_ALLOW_PRIVATE, no redirects, 1 MiB, 10 s), optionally pinned to
// a signing certificate (the metadata's enveloped signature must verify with it, and only the signed
// bytes are read), then read like pasted metadata (no DTD, bounded depth). Refreshed by a background loop:
// a failed refresh keeps the last good values and records why.
import { recordAudit, jobActor } from '../audit/index.ts';
import type { Deps } from '../deps.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { SamlConfig } from '../db/models.ts';
import { AppError } from '../http/errors.ts';
import { OutboundError, requestOutbound } from '../security/outbound.ts';
import { parseDom, preflightXml } from './xml/parse.ts';
import { verifyEnvelopedSignature } from './xml/signature.ts';
import { readCheckedSpMetadata } from './sp-metadata.ts';
import { acsEndpointsFrom, formatTakesSource } from './settings.ts';

export const METADATA_MAX_BYTES = 1024 * 1024;
export const METADATA_TIMEOUT_MS = 10_000;
const MIN_REFRESH_MS = 5 * 60_000;
const RETRY_MS = 3600_000;
const LOOP_MS = 60_000;
/**
 * How long a claimed refresh stays claimed: longer than a fetch may take (10 s) and the writes after it,
 * and short enough that a row claimed by an instance that died mid-refresh is picked up again soon.
 */
const CLAIM_MS = 5 * 60_000;

export interface FetchedMetadata {
  /** The metadata's text (only what the pinned signature covers, when a certificate is pinned). */
  xml: string;
  nextRefreshAt: Date;
}

/** xs:duration as metadata uses it (PnDTnHnMnS); undefined for anything else. */
function durationMs(value: string | null): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value?.trim() ?? '');
  if (!m || value?.trim() === 'P') return undefined;
  const n = (i: number) => Number(m[i] ?? 0);
  return ((n(1) * 24 + n(2)) * 60 + n(3)) * 60_000 + n(4) * 1000;
}

/** Every `hours`, sooner when the root's cacheDuration or validUntil says so; never more often than 5 min. */
function nextRefresh(root: Element, hours: number, now: number): Date {
  const candidates = [hours * 3600_000];
  const cache = durationMs(root.getAttribute('cacheDuration'));
  if (cache !== undefined) candidates.push(cache);
  const validUntil = Date.parse(root.getAttribute('validUntil') ?? '');
  if (!Number.isNaN(validUntil)) candidates.push(validUntil - now);
  return new Date(now + Math.max(MIN_REFRESH_MS, Math.min(...candidates)));
}

/**
 * SP metadata read and, with a pinned certificate, held to its enveloped signature: only what the
 * signature covers is kept. Throws an Error whose message says what is wrong (never a stack). For
 * metadata fetched from sp_metadata_url, and for pasted metadata sent with a pin (admin/metadata-step.ts).
 */
export function checkedMetadata(text: string, signingCertificate: string | null): { xml: string; doc: Document } {
  const doc = (() => {
    try {
      preflightXml(text, 'the metadata');
      return parseDom(text, 'the metadata');
    } catch (err) {
      throw new Error(err instanceof AppError ? err.message : 'the metadata is not XML', { cause: err });
    }
  })();
  if (!signingCertificate) return { xml: text, doc };
  try {
    return { xml: verifyEnvelopedSignature(text, doc, signingCertificate), doc };
  } catch (err) {
    throw new Error(`the metadata signature does not verify with sp_metadata_signing_certificate (${err instanceof AppError ? err.message : 'unreadable'})`, {
      cause: err,
    });
  }
}

/** Fetches and checks the metadata; throws an Error whose message says what is wrong (never a stack). */
export async function fetchSpMetadata(
  url: string,
  opts: { allowPrivate: boolean; signingCertificate: string | null; refreshHours: number },
): Promise<FetchedMetadata> {
  let body: Buffer;
  try {
    const res = await requestOutbound(url, {
      allowPrivate: opts.allowPrivate,
      maxBytes: METADATA_MAX_BYTES,
      timeoutMs: METADATA_TIMEOUT_MS,
      headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' },
    });
    if (res.status >= 300 && res.status < 400) throw new Error(`the server answered ${res.status} (a redirect, which is not followed)`);
    if (res.status !== 200) throw new Error(`the server answered ${res.status}`);
    body = res.body;
  } catch (err) {
    if (err instanceof OutboundError) throw new Error(`${err.reason}: ${err.message}`, { cause: err });
    throw err;
  }
  const { xml, doc } = checkedMetadata(body.toString('utf8'), opts.signingCertificate);
  return { xml, nextRefreshAt: nextRefresh(doc.documentElement, opts.refreshHours, Date.now()) };
}

/**
 * The SamlConfig columns a refresh overwrites: the fields pasting the same metadata as sp_metadata_xml
 * fills (CONTRACT §14 "filled fields as with sp_metadata_xml"; docs/saml.md, SP metadata by URL): entity
 * ID, ACS endpoints, and when the metadata gives them the SLO URL, the signing and encryption
 * certificates and AuthnRequestsSigned. URLs are checked as for acs_url.
 *
 * The NameID format is the one field an admin sets beside a metadata URL as a choice among what the SP
 * supports (pasting lets such an explicit field win): a refresh keeps the stored format while the
 * metadata still lists it, and takes the metadata's first one only when the SP dropped it. A format the
 * stored name_id_source cannot go with is refused, as the admin API refuses it, rather than silently
 * dropping the source.
 */
function metadataColumns(xml: string, allowHttp: boolean, stored: Pick<SamlConfig, 'nameIdFormat' | 'nameIdSource'>) {
  const { fields: f, nameIdFormats } = readCheckedSpMetadata(xml, allowHttp);
  const format = nameIdFormats.length === 0 || nameIdFormats.includes(stored.nameIdFormat) ? undefined : nameIdFormats[0];
  if (format !== undefined && stored.nameIdSource && !formatTakesSource(format))
    throw new Error(
      `the metadata no longer lists NameIDFormat ${stored.nameIdFormat}, and its ${format} cannot be used with name_id_source ${stored.nameIdSource}`,
    );
  return {
    entityId: f.entity_id,
    acsUrl: f.acs_url,
    acsUrls: JSON.stringify(f.acs_urls),
    ...(f.slo_url !== undefined ? { sloUrl: f.slo_url } : {}),
    ...(f.sp_certificate !== undefined ? { spCertificate: f.sp_certificate } : {}),
    ...(f.sp_encryption_certificate !== undefined ? { spEncryptionCertificate: f.sp_encryption_certificate } : {}),
    ...(f.want_authn_requests_signed !== undefined ? { wantAuthnRequestsSigned: f.want_authn_requests_signed } : {}),
    ...(format !== undefined ? { nameIdFormat: format } : {}),
  };
}

/** The API names of the columns a refresh writes, other than the ACS endpoints (compared as endpoints). */
const FIELD_NAMES = {
  entityId: 'entity_id',
  sloUrl: 'slo_url',
  spCertificate: 'sp_certificate',
  spEncryptionCertificate: 'sp_encryption_certificate',
  wantAuthnRequestsSigned: 'want_authn_requests_signed',
  nameIdFormat: 'name_id_format',
} as const;

/**
 * The API names of the fields a refresh's columns change on the row as read. The ACS endpoints are
 * compared as the SP gets them (acsEndpointsFrom, the one reading of the two columns), so a lone acs_url
 * and the same endpoint listed by the metadata are no change.
 */
function changedFields(cfg: DueConfig, columns: ReturnType<typeof metadataColumns>): string[] {
  const endpoints = (row: Pick<SamlConfig, 'acsUrl' | 'acsUrls'>) => JSON.stringify(acsEndpointsFrom(row));
  const changed: string[] = endpoints(cfg) === endpoints(columns) ? [] : ['acs_urls'];
  for (const [column, field] of Object.entries(FIELD_NAMES) as [keyof typeof FIELD_NAMES, string][]) {
    if (column in columns && columns[column as keyof typeof columns] !== cfg[column]) changed.push(field);
  }
  return changed;
}

const clip = (s: string) => (s.length > 500 ? `${s.slice(0, 500)}…` : s);

type RefreshMetrics = Pick<Metrics, 'metadataRefreshFailures'>;
type DueConfig = SamlConfig;

/**
 * The row as this run read it: what the refresh's fetch and columns depend on (the URL, the pinned
 * certificate, the refresh interval, the NameID format and source). An admin who changes any of them
 * while a refresh is under way wins over this run's older reading, whose result is then dropped.
 */
const asRead = (cfg: DueConfig) => ({
  serviceId: cfg.serviceId,
  spMetadataUrl: cfg.spMetadataUrl,
  spMetadataSigningCertificate: cfg.spMetadataSigningCertificate,
  metadataRefreshHours: cfg.metadataRefreshHours,
  nameIdFormat: cfg.nameIdFormat,
  nameIdSource: cfg.nameIdSource,
});

/**
 * Claims a due row for this run: moves its next refresh past the claim, only if it is still due and
 * still as read. Every instance (and every worker) runs the loop, so without this one failure would be
 * fetched, audited and counted once per instance; the first claim moves the row out of "due", so every
 * other run's conditional update finds nothing (on PostgreSQL it waits for the first and re-reads the
 * row). Returns the claim's time (the row's metadataNextRefreshAt while claimed), or null when another
 * run has the row or it changed since it was read (the next round reads it again). A claim held by an
 * instance that died mid-refresh lapses after CLAIM_MS.
 */
async function claim(deps: Deps, cfg: DueConfig): Promise<Date | null> {
  const until = new Date(Date.now() + CLAIM_MS);
  const { count } = await deps.db.samlConfig.updateMany({
    where: { ...asRead(cfg), metadataNextRefreshAt: { lte: new Date() } },
    data: { metadataNextRefreshAt: until },
  });
  return count === 1 ? until : null;
}

/** The row still as this run read and claimed it: only then is the refresh's result written. */
const stillClaimed = (cfg: DueConfig, until: Date) => ({ ...asRead(cfg), metadataNextRefreshAt: until });

/** One claimed row's refresh; true when it failed (and the failure was recorded). */
async function refreshOne(deps: Deps, metrics: RefreshMetrics, cfg: DueConfig, claimed: Date): Promise<boolean> {
  const url = cfg.spMetadataUrl ?? '';
  try {
    const fetched = await fetchSpMetadata(url, {
      allowPrivate: deps.config.outboundAllowPrivate,
      signingCertificate: cfg.spMetadataSigningCertificate,
      refreshHours: cfg.metadataRefreshHours,
    });
    const columns = metadataColumns(fetched.xml, deps.config.allowHttpAcs, cfg);
    const fields = changedFields(cfg, columns);
    // A refresh that changes what the SP is configured with is audited like an admin's change (the
    // fields, not their values), in the same transaction: a NameID format or ACS the metadata replaced
    // is never a silent change.
    const written = await deps.db.$transaction(async (tx) => {
      const { count } = await tx.samlConfig.updateMany({
        where: stillClaimed(cfg, claimed),
        data: { ...columns, metadataFetchedAt: new Date(), metadataNextRefreshAt: fetched.nextRefreshAt, metadataLastError: null },
      });
      if (count !== 1 || fields.length === 0) return count === 1;
      const service = await tx.service.findUniqueOrThrow({ where: { id: cfg.serviceId }, select: { organizationId: true } });
      await recordAudit(tx, jobActor('metadata-refresh'), 'saml.metadata_refreshed', service.organizationId, cfg.serviceId, {
        service_id: cfg.serviceId,
        sp_metadata_url: url,
        fields,
      });
      return true;
    });
    if (written) await deps.invalidation.publish({ kind: 'service', id: cfg.serviceId });
    return false;
  } catch (err) {
    const message = clip(err instanceof Error ? err.message : 'unknown error');
    const retry = new Date(Date.now() + Math.min(RETRY_MS, cfg.metadataRefreshHours * 3600_000));
    // The failure is recorded with the kept values, in one transaction: the organization's audit log
    // says when and why its SP's metadata stopped refreshing.
    const recorded = await deps.db.$transaction(async (tx) => {
      const { count } = await tx.samlConfig.updateMany({
        where: stillClaimed(cfg, claimed),
        data: { metadataLastError: message, metadataNextRefreshAt: retry },
      });
      if (count !== 1) return false;
      const service = await tx.service.findUniqueOrThrow({ where: { id: cfg.serviceId }, select: { organizationId: true } });
      await recordAudit(tx, jobActor('metadata-refresh'), 'saml.metadata_refresh_failed', service.organizationId, cfg.serviceId, {
        service_id: cfg.serviceId,
        sp_metadata_url: url,
        error: message,
      });
      return true;
    });
    if (recorded) {
      metrics.metadataRefreshFailures.inc();
      deps.logger.warn({ serviceId: cfg.serviceId, url: clip(url), error: message }, 'SP metadata refresh failed; keeping the last good values');
    }
    return recorded;
  }
}

/**
 * Refreshes every configuration whose metadata is due and that this run claims, the longest due first;
 * stops between rows once `stopped` says so (the server is closing). Returns how many refreshes failed.
 */
async function refreshDueMetadata(deps: Deps, metrics: RefreshMetrics, stopped: () => boolean): Promise<number> {
  const due = await deps.db.samlConfig.findMany({
    // A disabled service makes no outbound requests; enabled again, it is due at once.
    where: { enabled: true, spMetadataUrl: { not: null }, metadataNextRefreshAt: { lte: new Date() } },
    orderBy: { metadataNextRefreshAt: 'asc' },
    take: 50,
  });
  let failures = 0;
  for (const cfg of due) {
    if (stopped()) break;
    const claimed = await claim(deps, cfg);
    if (claimed && (await refreshOne(deps, metrics, cfg, claimed))) failures++;
  }
  return failures;
}

export interface MetadataRefreshJob {
  /** Runs a fresh round after the one under way, if any; resolves to its failure count (0 once stopped). */
  runNow: () => Promise<number>;
  /** No more rounds; resolves when the round under way has finished its current row. */
  stop: () => Promise<void>;
}

/** The background loop, started with the server: a round a minute, one at a time in this process. */
export function startMetadataRefresh(deps: Deps, metrics: RefreshMetrics, { timer: withTimer = true } = {}): MetadataRefreshJob {
  // Rounds are queued, never overlapped: a round asked for (runNow) after a row became due must read it,
  // which a round already past its query would not.
  let tail: Promise<unknown> = Promise.resolve();
  let queued = 0;
  let stopped = false;
  const runNow = (): Promise<number> => {
    if (stopped) return Promise.resolve(0);
    queued++;
    const round = tail
      .then(() => refreshDueMetadata(deps, metrics, () => stopped))
      .finally(() => {
        queued--;
      });
    tail = round.catch(() => undefined);
    return round;
  };
  // Tests that run rounds themselves (runNow) start servers without the timer: another server's timer on
  // the same database would take their due rows first.
  const timer = withTimer
    ? setInterval(() => {
        if (queued > 0) return;
        runNow().catch((err: unknown) => {
          deps.logger.error({ err: { message: err instanceof Error ? err.message : String(err) } }, 'SP metadata refresh loop failed');
        });
      }, LOOP_MS)
    : undefined;
  timer?.unref();
  return {
    runNow,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await tail;
    },
  };
}
