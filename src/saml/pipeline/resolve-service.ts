// Step: the organization and service named in the URL, with SAML enabled; otherwise 404.
import type { Db } from '../../db/client.ts';
import { notFound } from '../../http/errors.ts';
import { idpUrls, settingsFrom } from '../settings.ts';
import { Slug } from '../../http/validate.ts';
import type { ResolvedService } from './types.ts';

export async function resolveService(db: Db, publicUrl: string, orgSlug: string, serviceSlug: string): Promise<ResolvedService> {
  const isSlug = (v: string) => Slug.safeParse(v).success;
  const org = isSlug(orgSlug) ? await db.organization.findUnique({ where: { slug: orgSlug } }) : null;
  const service = org && isSlug(serviceSlug) ? await db.service.findUnique({ where: { organizationId_slug: { organizationId: org.id, slug: serviceSlug } }, include: { samlConfig: true } }) : null;
  if (!org || !service?.samlConfig?.enabled) throw notFound('No SAML service here');
  const { samlConfig, ...plain } = service;
  return { org, service: plain, settings: settingsFrom(samlConfig), urls: idpUrls(publicUrl, org.slug, plain.slug) };
}

/** The same for a service known by id (a logout participant): null when it is gone or SAML is disabled. */
export async function loadServiceById(db: Db, publicUrl: string, serviceId: string): Promise<ResolvedService | null> {
  const service = await db.service.findUnique({ where: { id: serviceId }, include: { samlConfig: true, organization: true } });
  if (!service?.samlConfig?.enabled) return null;
  const { samlConfig, organization, ...plain } = service;
  return { org: organization, service: plain, settings: settingsFrom(samlConfig), urls: idpUrls(publicUrl, organization.slug, plain.slug) };
}
