// Route step for POST …/saml with `sp_metadata_url`: the metadata is fetched before the payload is
// checked and handed on as `sp_metadata_xml`, so it fills the same fields as pasted metadata. A fetch
// that fails is a 400 naming sp_metadata_url and why (DNS, private address, redirect, size, time, signature).
// Pasted metadata sent with a pinned certificate is held to its signature here too.
import type { Db } from '../../db/client.ts';
import type { Config } from '../../config/index.ts';
import type { Service } from '../../db/models.ts';
import type { AppContext } from '../../http/context.ts';
import { badRequest } from '../../http/errors.ts';
import { checkSpCertificate } from '../settings.ts';
import { checkedMetadata, fetchSpMetadata } from '../metadata-url.ts';

export interface MetadataFetch {
  fetchedMetadata: { nextRefreshAt: Date } | null;
}

const refuse = (field: string, message: string) => badRequest(message, [{ field, message }]);

/**
 * Pasted metadata sent with sp_metadata_signing_certificate is held to that pin as fetched metadata is:
 * its signature must verify, and only what the signature covers is read. Without a pin in the same
 * payload, pasted metadata is read as it is (docs/saml.md).
 */
function pastedWithPin(body: Record<string, unknown>): void {
  const xml = body.sp_metadata_xml;
  const pin = body.sp_metadata_signing_certificate;
  if (typeof xml !== 'string' || typeof pin !== 'string') return;
  const checked = checkSpCertificate(pin, 'sp_metadata_signing_certificate');
  if (!checked.ok) throw refuse('sp_metadata_signing_certificate', checked.reason);
  try {
    body.sp_metadata_xml = checkedMetadata(xml, checked.pem).xml;
  } catch (err) {
    throw refuse('sp_metadata_xml', `Could not use sp_metadata_xml: ${err instanceof Error ? err.message : 'unknown error'}`);
  }
}

export function metadataFromUrl(db: Db, config: Config) {
  return async (ctx: AppContext, { service }: { service: Service }): Promise<MetadataFetch> => {
    const raw: unknown = ctx.request.body;
    if (raw === null || typeof raw !== 'object') return { fetchedMetadata: null };
    if (!('sp_metadata_url' in raw) || typeof raw.sp_metadata_url !== 'string') {
      pastedWithPin(raw as Record<string, unknown>);
      return { fetchedMetadata: null };
    }
    const body = raw as Record<string, unknown>;
    const url = body.sp_metadata_url as string;
    if ('sp_metadata_xml' in body) throw refuse('sp_metadata_xml', 'Send sp_metadata_url or sp_metadata_xml, not both');
    if (url.length > 2048) throw refuse('sp_metadata_url', 'sp_metadata_url is longer than 2048 characters');
    const stored = await db.samlConfig.findUnique({ where: { serviceId: service.id } });
    let pinned = stored?.spMetadataSigningCertificate ?? null;
    if (typeof body.sp_metadata_signing_certificate === 'string') {
      const checked = checkSpCertificate(body.sp_metadata_signing_certificate, 'sp_metadata_signing_certificate');
      if (!checked.ok) throw refuse('sp_metadata_signing_certificate', checked.reason);
      pinned = checked.pem;
      body.sp_metadata_signing_certificate = checked.pem;
    } else if (body.sp_metadata_signing_certificate === null) pinned = null;
    const hours = typeof body.metadata_refresh_hours === 'number' ? body.metadata_refresh_hours : (stored?.metadataRefreshHours ?? 24);
    try {
      const fetched = await fetchSpMetadata(url, { allowPrivate: config.outboundAllowPrivate, signingCertificate: pinned, refreshHours: Math.max(1, hours) });
      ctx.request.body = { ...body, sp_metadata_xml: fetched.xml };
      return { fetchedMetadata: { nextRefreshAt: fetched.nextRefreshAt } };
    } catch (err) {
      throw refuse('sp_metadata_url', `Could not use the SP metadata at sp_metadata_url: ${err instanceof Error ? err.message : 'unknown error'}`);
    }
  };
}
