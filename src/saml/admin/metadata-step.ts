// Route step for POST …/saml, before the payload is checked: metadata at `sp_metadata_url` is fetched and
// handed on as `sp_metadata_xml`, so it fills the same fields as pasted metadata. A fetch that fails is a
// 400 naming sp_metadata_url and why (DNS, private address, redirect, size, time, signature). Pasted
// metadata sent with a pinned certificate is held to its signature here too.
import type { Db } from '../../db/client.ts';
import type { Config } from '../../config/index.ts';
import type { Service } from '../../db/models.ts';
import type { AppContext } from '../../http/context.ts';
import { badRequest } from '../../http/errors.ts';
import { checkSpCertificate } from '../settings.ts';
import { checkedMetadata, fetchSpMetadata } from '../metadata-url.ts';
import { readCheckedSpMetadata } from '../sp-metadata.ts';

export interface MetadataFetch {
  fetchedMetadata: { nextRefreshAt: Date } | null;
}

const refuse = (field: string, message: string) => badRequest(message, [{ field, message }]);

/**
 * The pin the payload sends, checked (a PEM with the sp_certificate key rules) and normalised in the
 * body; null when it clears the pin, undefined when it leaves the stored one.
 */
function sentPin(body: Record<string, unknown>): string | null | undefined {
  const pin = body.sp_metadata_signing_certificate;
  if (typeof pin !== 'string') return pin === null ? null : undefined;
  const checked = checkSpCertificate(pin, 'sp_metadata_signing_certificate');
  if (!checked.ok) throw refuse('sp_metadata_signing_certificate', checked.reason);
  body.sp_metadata_signing_certificate = checked.pem;
  return checked.pem;
}

/**
 * The SP metadata step of POST …/saml. Metadata by URL is fetched, held to the pin (the one sent, else
 * the stored one) and handed on as sp_metadata_xml. Pasted metadata sent with a pin in the same payload
 * is held to it the same way; without one it is read as it is (docs/saml.md).
 */
export function spMetadataStep(db: Db, config: Config) {
  return async (ctx: AppContext, { service }: { service: Service }): Promise<MetadataFetch> => {
    const raw: unknown = ctx.request.body;
    if (raw === null || typeof raw !== 'object') return { fetchedMetadata: null };
    const body = raw as Record<string, unknown>;
    const pin = sentPin(body);
    const url = body.sp_metadata_url;
    if (typeof url !== 'string') {
      if (typeof body.sp_metadata_xml === 'string' && pin) {
        try {
          body.sp_metadata_xml = checkedMetadata(body.sp_metadata_xml, pin).xml;
        } catch (err) {
          throw refuse('sp_metadata_xml', `Could not use sp_metadata_xml: ${err instanceof Error ? err.message : 'unknown error'}`);
        }
      }
      return { fetchedMetadata: null };
    }
    if ('sp_metadata_xml' in body) throw refuse('sp_metadata_xml', 'Send sp_metadata_url or sp_metadata_xml, not both');
    if (url.length > 2048) throw refuse('sp_metadata_url', 'sp_metadata_url is longer than 2048 characters');
    const stored = await db.samlConfig.findUnique({ where: { serviceId: service.id } });
    const pinned = pin !== undefined ? pin : (stored?.spMetadataSigningCertificate ?? null);
    const hours = typeof body.metadata_refresh_hours === 'number' ? body.metadata_refresh_hours : (stored?.metadataRefreshHours ?? 24);
    try {
      const fetched = await fetchSpMetadata(url, { allowPrivate: config.outboundAllowPrivate, signingCertificate: pinned, refreshHours: Math.max(1, hours) });
      // Its content too, here: a refusal of what was fetched names sp_metadata_url, the field sent.
      readCheckedSpMetadata(fetched.xml, config.allowHttpAcs, body);
      ctx.request.body = { ...body, sp_metadata_xml: fetched.xml };
      return { fetchedMetadata: { nextRefreshAt: fetched.nextRefreshAt } };
    } catch (err) {
      throw refuse('sp_metadata_url', `Could not use the SP metadata at sp_metadata_url: ${err instanceof Error ? err.message : 'unknown error'}`);
    }
  };
}
