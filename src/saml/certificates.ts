// IdP signing certificates: RSA-2048 via node-forge (which uses Node's native key generation when
// available), self-signed SHA-256, random serial, subject naming the organization and service, three
// years. The private key is sealed at rest; decrypted keys are kept as KeyObjects in memory because
// re-parsing a PEM costs more than the RSA signature itself.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { Db, Tx } from '../db/client.ts';
import type { Sealer } from '../security/encryption.ts';
import { newId } from '../security/random.ts';
import { selfSignedCertificate } from '../security/certificate.ts';
import { iso } from '../http/present.ts';
import type { Logger } from '../http/log.ts';

export const CERT_VALIDITY_YEARS = 3;

export interface GeneratedCertificate {
  id: string;
  certificatePem: string;
  encryptedPrivateKey: string;
  validFrom: Date;
  validUntil: Date;
}

export async function generateCertificate(sealer: Sealer, subject: { organization: string; service: string }): Promise<GeneratedCertificate> {
  const made = await selfSignedCertificate(
    { commonName: `${subject.service} SAML signing`, organization: subject.organization, unit: 'Tessera IdP' },
    CERT_VALIDITY_YEARS,
  );
  const id = newId('cert');
  return {
    id,
    certificatePem: made.certificatePem,
    encryptedPrivateKey: sealer.seal(made.privateKeyPem, id),
    validFrom: made.validFrom,
    validUntil: made.validUntil,
  };
}

/**
 * Serialises certificate changes of one service: an UPDATE of its SAML configuration row holds that row's
 * lock until commit, so concurrent rotations/activations run one after the other and each sees what the
 * previous one committed (otherwise two concurrent rotations both stay active on PostgreSQL).
 * With `enabledOnly`, false when SAML is not (or no longer) enabled.
 */
export async function lockSamlConfig(tx: Tx, serviceId: string, enabledOnly: boolean): Promise<boolean> {
  const r = await tx.samlConfig.updateMany({ where: { serviceId, ...(enabledOnly ? { enabled: true } : {}) }, data: { updatedAt: new Date() } });
  return r.count === 1;
}

/** Inserts a generated certificate; `active` makes it the only signing certificate of the service. */
export async function storeCertificate(tx: Tx, serviceId: string, cert: GeneratedCertificate, status: 'active' | 'pending') {
  if (status === 'active') await tx.samlCertificate.updateMany({ where: { serviceId, status: { in: ['active', 'pending'] } }, data: { status: 'inactive' } });
  return tx.samlCertificate.create({
    data: {
      id: cert.id,
      serviceId,
      certificatePem: cert.certificatePem,
      encryptedPrivateKey: cert.encryptedPrivateKey,
      status,
      validFrom: cert.validFrom,
      validUntil: cert.validUntil,
    },
  });
}

export function presentCertificate(c: { id: string; certificatePem: string; validFrom: Date; validUntil: Date; status: string }) {
  return {
    id: c.id,
    public_key: c.certificatePem,
    valid_from: iso(c.validFrom),
    valid_until: iso(c.validUntil),
    is_active: c.status === 'active',
    status: c.status,
  };
}

export { certificateBody } from './xml/dsig-common.ts';

export interface SigningKey {
  certId: string;
  certificatePem: string;
  key: KeyObject;
}

/** Decrypted signing keys by certificate id. A certificate's key never changes, so entries never go stale. */
export class SigningKeys {
  private readonly keys = new Map<string, KeyObject>();
  constructor(
    private readonly db: Db,
    private readonly sealer: Sealer,
    private readonly logger: Logger,
  ) {}

  /** The active certificate's key, or null when the service has none (or it cannot be decrypted). */
  async active(serviceId: string): Promise<SigningKey | null> {
    const cert = await this.db.samlCertificate.findFirst({ where: { serviceId, status: 'active' }, orderBy: { createdAt: 'desc' } });
    if (!cert) return null;
    let key = this.keys.get(cert.id);
    if (!key) {
      try {
        key = createPrivateKey(this.sealer.open(cert.encryptedPrivateKey, cert.id));
      } catch (err) {
        // Fail closed: never sign with anything else.
        this.logger.error({ certId: cert.id, err: { message: (err as Error).message } }, 'cannot decrypt the SAML signing key: check TESSERA_ENCRYPTION_KEY');
        return null;
      }
      this.keys.set(cert.id, key);
    }
    return { certId: cert.id, certificatePem: cert.certificatePem, key };
  }
}
