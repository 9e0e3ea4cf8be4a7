// @node-saml/node-saml as the independent SP of the interop suites. One factory, so that every suite's SP
// starts from the same strict settings and names only where it differs.
import { SAML, ValidateInResponseTo, type SamlConfig } from '@node-saml/node-saml';
import { expect } from 'vitest';
import { SP_ACS, SP_ENTITY, type SamlWorld } from './saml.ts';
import { sloOf } from './saml-logout.ts';
import type { KeyPair } from './saml-attacks.ts';

/** One SP as node-saml is told about it: who it is (entity, ACS) and the IdP endpoints and certificate it trusts. */
export interface SpEnd {
  entity: string;
  acs: string;
  sso: string;
  slo: string;
  idpEntity: string;
  idpCert: string;
}

/** The suites' usual SP (SP_ENTITY at SP_ACS) on a world's service. */
export function spEnd(world: SamlWorld): SpEnd {
  return { entity: SP_ENTITY, acs: SP_ACS, sso: world.urls.sso, slo: sloOf(world.urls.sso), idpEntity: world.urls.entityId, idpCert: world.idpCertPem };
}

/** The SP of another service of the world (see addSamlService), registered there as `entity` at `acs`. */
export async function serviceEnd(world: SamlWorld, service: { slug: string; sso: string }, entity: string, acs: string): Promise<SpEnd> {
  const cert = await world.admin.client.get<{ public_key: string }>(`/api/organizations/${world.org}/services/${service.slug}/saml/certificate`);
  expect(cert.status).toBe(200);
  return {
    entity,
    acs,
    sso: service.sso,
    slo: sloOf(service.sso),
    idpEntity: service.sso.replace(/\/sso$/, '/metadata'),
    idpCert: cert.body.public_key,
  };
}

/**
 * node-saml for `end`: both signatures required, InResponseTo always checked, no NameID format asked for.
 * `options` override any of it.
 */
export function nodeSamlSp(end: SpEnd, options: Partial<SamlConfig> = {}): SAML {
  return new SAML({
    entryPoint: end.sso,
    logoutUrl: end.slo,
    issuer: end.entity,
    callbackUrl: end.acs,
    audience: end.entity,
    idpCert: end.idpCert,
    idpIssuer: end.idpEntity,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: true,
    validateInResponseTo: ValidateInResponseTo.always,
    identifierFormat: null,
    ...options,
  });
}

/** The options that make node-saml sign what it sends (AuthnRequests, logout messages) with `keys`. */
export function signingWith(keys: KeyPair): Partial<SamlConfig> {
  return { privateKey: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), signatureAlgorithm: 'sha256' };
}
