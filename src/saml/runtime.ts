// What the SAML side needs beyond the common dependencies, built once at start-up.
import type { Deps } from '../deps.ts';
import type { Metrics } from '../ops/metrics.ts';
import { createSealer, type Sealer } from '../security/encryption.ts';
import { SigningKeys } from './certificates.ts';
import { SamlDirectory } from './directory.ts';
import { loadSamlSchemas, registerWithSamlify, type SchemaValidator } from './xml/schema.ts';
import { ReplayCache } from './replay.ts';
import { SignInRecorder } from './sign-in-record.ts';
import { FactorPresence } from '../mfa/presence.ts';

export interface SamlRuntime {
  sealer: Sealer;
  /** Services by URL slugs or id, with settings and signing key, cached with explicit invalidation. */
  directory: SamlDirectory;
  schema: SchemaValidator;
  replay: ReplayCache;
  /** Group-committed sign-in records (link, login event and counter, session's service, subscription). */
  signIns: SignInRecorder;
  /** Whether a user has a second factor, cached with explicit invalidation (mfa/presence.ts). */
  factors: FactorPresence;
  /** tessera_sso_outcomes_total, for the refusals found after a hosted sign-in (finish-sign-in.ts). */
  outcomes: Pick<Metrics['ssoOutcomes'], 'inc'> | undefined;
}

export function createSamlRuntime(deps: Deps, metrics?: Pick<Metrics, 'groupCommitBatch' | 'ssoOutcomes'>): SamlRuntime {
  const sealer = createSealer(deps.config.encryptionKey);
  if (sealer.development)
    deps.logger.warn(
      'TESSERA_ENCRYPTION_KEY is not set: SAML private keys are encrypted with the public development key in certs-dev/ (never do this in production)',
    );
  const schema = loadSamlSchemas();
  registerWithSamlify(schema);
  return {
    sealer,
    directory: new SamlDirectory(deps.db, deps.config, new SigningKeys(deps.db, sealer, deps.logger), deps.invalidation),
    schema,
    replay: new ReplayCache(deps, (n) => metrics?.groupCommitBatch.observe({ writer: 'replay' }, n)),
    signIns: new SignInRecorder(
      deps.database,
      (org, type) => deps.webhooks.presence.mayReceive(org, type),
      (n) => metrics?.groupCommitBatch.observe({ writer: 'sign_in' }, n),
    ),
    factors: new FactorPresence(deps.database, deps.invalidation),
    outcomes: metrics?.ssoOutcomes,
  };
}
