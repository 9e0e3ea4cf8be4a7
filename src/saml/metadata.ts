// IdP metadata: one IDPSSODescriptor with a signing KeyDescriptor for the active and each pending
// certificate, SingleLogoutService and SingleSignOnService for both bindings, NameIDFormat,
// WantAuthnRequestsSigned (elements in the schema's order: KeyDescriptor, SingleLogoutService,
// NameIDFormat, SingleSignOnService).
import type { Db } from '../db/client.ts';
import { xmlEscape as x } from './xml/escape.ts';
import { certificateBody } from './certificates.ts';
import type { ResolvedService } from './pipeline/types.ts';

const BINDING = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

export async function buildMetadata(db: Db, target: ResolvedService): Promise<string> {
  const certs = await db.samlCertificate.findMany({
    where: { serviceId: target.service.id, status: { in: ['active', 'pending'] } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  const keys = certs
    .map(
      (c) =>
        `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBody(c.certificatePem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join('');
  const { urls, settings } = target;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${x(urls.entityId)}">` +
    `<md:IDPSSODescriptor WantAuthnRequestsSigned="${settings.wantAuthnRequestsSigned}" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
    keys +
    `<md:SingleLogoutService Binding="${BINDING.redirect}" Location="${x(urls.slo)}"/>` +
    `<md:SingleLogoutService Binding="${BINDING.post}" Location="${x(urls.slo)}"/>` +
    `<md:NameIDFormat>${x(settings.nameIdFormat)}</md:NameIDFormat>` +
    `<md:SingleSignOnService Binding="${BINDING.redirect}" Location="${x(urls.sso)}"/>` +
    `<md:SingleSignOnService Binding="${BINDING.post}" Location="${x(urls.sso)}"/>` +
    '</md:IDPSSODescriptor></md:EntityDescriptor>'
  );
}
