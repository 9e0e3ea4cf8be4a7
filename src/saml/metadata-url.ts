// SP metadata by URL (CONTRACT §14, SECURITY.md 44): fetched through the outbound guard (https, public
// addresses only unless TESSERA_OUTBOUND_ALLOW_PRIVATE, no redirects, 1 MiB, 10 s), optionally pinned to
// a signing certificate (the metadata's enveloped signature must verify with it, and only the signed
// bytes are read), then read like pasted metadata (no DTD, bounded depth). Refreshed by a background loop:
// a failed refresh keeps the last good values and records why.
import { recordAudit, jobActor } from '../audit/index.ts';
import type { Deps } from '../deps.ts';
import type { Metrics } from '../ops/metrics.ts';
import { AppError } from '../http/errors.ts';
import { OutboundError, requestOutbound } from '../security/outbound.ts';
import { parseDom, preflightXml } from './xml/parse.ts';
import { verifyEnvelopedSignature } from './xml/signature.ts';
import { applySpMetadata, type SpMetadataFields } from './sp-metadata.ts';

export const METADATA_MAX_BYTES = 1024 * 1024;
export const METADATA_TIMEOUT_MS = 10_000;
const MIN_REFRESH_MS = 5 * 60_000;
const RETRY_MS = 3600_000;
const LOOP_MS = 60_000;

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

/** The SamlConfig columns the metadata sets (what a refresh overwrites); URLs checked as for acs_url. */
export function metadataColumns(xml: string, allowHttp: boolean) {
  const f = applySpMetadata({ sp_metadata_xml: xml }, allowHttp) as SpMetadataFields;
  return {
    entityId: f.entity_id,
    acsUrl: f.acs_url,
    acsUrls: JSON.stringify(f.acs_urls),
    ...(f.slo_url !== undefined ? { sloUrl: f.slo_url } : {}),
    ...(f.sp_certificate !== undefined ? { spCertificate: f.sp_certificate } : {}),
    ...(f.sp_encryption_certificate !== undefined ? { spEncryptionCertificate: f.sp_encryption_certificate } : {}),
    ...(f.want_authn_requests_signed !== undefined ? { wantAuthnRequestsSigned: f.want_authn_requests_signed } : {}),
  };
}

const clip = (s: string) => (s.length > 500 ? `${s.slice(0, 500)}…` : s);

/** Refreshes every configuration whose metadata is due. Returns how many refreshes failed. */
export async function refreshDueMetadata(deps: Deps, metrics: Pick<Metrics, 'metadataRefreshFailures'>): Promise<number> {
  const due = await deps.db.samlConfig.findMany({ where: { spMetadataUrl: { not: null }, metadataNextRefreshAt: { lte: new Date() } }, take: 50 });
  let failures = 0;
  for (const cfg of due) {
    const url = cfg.spMetadataUrl ?? '';
    try {
      const fetched = await fetchSpMetadata(url, {
        allowPrivate: deps.config.outboundAllowPrivate,
        signingCertificate: cfg.spMetadataSigningCertificate,
        refreshHours: cfg.metadataRefreshHours,
      });
      const columns = metadataColumns(fetched.xml, deps.config.allowHttpAcs);
      await deps.db.samlConfig.update({
        where: { serviceId: cfg.serviceId },
        data: { ...columns, metadataFetchedAt: new Date(), metadataNextRefreshAt: fetched.nextRefreshAt, metadataLastError: null },
      });
      await deps.invalidation.publish({ kind: 'service', id: cfg.serviceId });
    } catch (err) {
      failures++;
      const message = clip(err instanceof Error ? err.message : 'unknown error');
      metrics.metadataRefreshFailures.inc();
      deps.logger.warn({ serviceId: cfg.serviceId, url: clip(url), error: message }, 'SP metadata refresh failed; keeping the last good values');
      const retry = new Date(Date.now() + Math.min(RETRY_MS, cfg.metadataRefreshHours * 3600_000));
      // The failure is recorded with the kept values, in one transaction: the organization's audit log
      // says when and why its SP's metadata stopped refreshing.
      await deps.db.$transaction(async (tx) => {
        const row = await tx.samlConfig.update({
          where: { serviceId: cfg.serviceId },
          data: { metadataLastError: message, metadataNextRefreshAt: retry },
          include: { service: { select: { organizationId: true } } },
        });
        await recordAudit(tx, jobActor('metadata-refresh'), 'saml.metadata_refresh_failed', row.service.organizationId, cfg.serviceId, {
          service_id: cfg.serviceId,
          sp_metadata_url: url,
          error: message,
        });
      });
    }
  }
  return failures;
}

/** The background loop, started with the server; returns its stop function. */
export function startMetadataRefresh(deps: Deps, metrics: Pick<Metrics, 'metadataRefreshFailures'>): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    refreshDueMetadata(deps, metrics)
      .catch((err: unknown) => {
        deps.logger.error({ err: { message: err instanceof Error ? err.message : String(err) } }, 'SP metadata refresh loop failed');
      })
      .finally(() => {
        running = false;
      });
  }, LOOP_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
  };
}
