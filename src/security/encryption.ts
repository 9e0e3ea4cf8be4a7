// AES-256-GCM for secrets at rest (SAML private keys). The key is SHA-256 of TESSERA_ENCRYPTION_KEY (or
// the development key in certs-dev/). Each ciphertext is bound to its row id through the GCM additional
// data, so a ciphertext copied onto another certificate row does not decrypt.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../config/paths.ts';

const VERSION = 'v1';

export class DecryptionError extends Error {}

export interface Sealer {
  seal(plaintext: string, boundTo: string): string;
  open(ciphertext: string, boundTo: string): string;
  /** True when the development key is in use (warn loudly). */
  development: boolean;
}

export function devEncryptionKey(): string {
  return readFileSync(join(projectRoot, 'certs-dev', 'dev-encryption.key'), 'utf8').trim();
}

export function createSealer(keyMaterial: string | undefined): Sealer {
  const development = keyMaterial === undefined;
  const key = createHash('sha256')
    .update(keyMaterial ?? devEncryptionKey())
    .digest();
  return {
    development,
    seal(plaintext, boundTo) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(boundTo));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
    },
    open(ciphertext, boundTo) {
      const [version, iv, tag, body] = ciphertext.split('.');
      if (version !== VERSION || !iv || !tag || !body) throw new DecryptionError('unknown ciphertext format');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
        decipher.setAAD(Buffer.from(boundTo));
        decipher.setAuthTag(Buffer.from(tag, 'base64'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
      } catch {
        throw new DecryptionError('ciphertext does not decrypt with this key and binding');
      }
    },
  };
}
