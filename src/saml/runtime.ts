// What the SAML side needs beyond the common dependencies, built once at start-up.
import * as samlify from 'samlify';
import type { Deps } from '../deps.ts';
import { createSealer, type Sealer } from '../security/encryption.ts';
import { SigningKeys } from './certificates.ts';
import { loadSamlSchemas, type SchemaValidator } from './xml/schema.ts';
import { ReplayCache } from './replay.ts';

export interface SamlRuntime {
  sealer: Sealer;
  keys: SigningKeys;
  schema: SchemaValidator;
  replay: ReplayCache;
}

export function createSamlRuntime(deps: Deps): SamlRuntime {
  const sealer = createSealer(deps.config.encryptionKey);
  if (sealer.development) deps.logger.warn('TESSERA_ENCRYPTION_KEY is not set: SAML private keys are encrypted with the public development key in certs-dev/ (never do this in production)');
  const schema = loadSamlSchemas();
  // samlify is given the same real validator, so nothing it parses is ever unvalidated.
  samlify.setSchemaValidator({ validate: async (xml: string) => { const err = schema.validate(xml); if (err) throw new Error(err); return 'valid'; } });
  return {
    sealer,
    keys: new SigningKeys(deps.db, sealer, deps.logger),
    schema,
    replay: new ReplayCache(deps),
  };
}
