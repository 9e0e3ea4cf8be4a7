// The SAML additions of CONTRACT §11 and §14 in the console: second factor required by the service,
// encrypted assertions (with the SP's encryption certificate and the content algorithm), and SP
// metadata fetched from a URL and refreshed on a schedule.
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import type { SamlConfig } from '../types.ts';
import { Field, FormError, Saved, Submit, formatDate, useSubmit, type Loaded, type SavedStatus } from '../ui.tsx';

const ALGORITHMS: [string, string][] = [
  ['aes256-gcm', 'AES-256-GCM (recommended)'],
  ['aes128-gcm', 'AES-128-GCM'],
  ['aes256-cbc', 'AES-256-CBC (for SPs without GCM)'],
];

export interface Protection {
  requireMfa: boolean;
  encrypt: boolean;
  encCert: string;
  algorithm: string;
}

export function protectionOf(cfg: SamlConfig): Protection {
  return { requireMfa: cfg.require_mfa, encrypt: cfg.encrypt_assertions, encCert: cfg.sp_encryption_certificate ?? '', algorithm: cfg.encryption_algorithm };
}

export function protectionPayload(p: Protection) {
  return { require_mfa: p.requireMfa, encrypt_assertions: p.encrypt, sp_encryption_certificate: p.encCert.trim() || null, encryption_algorithm: p.algorithm };
}

export const PROTECTION_FIELDS = ['require_mfa', 'encrypt_assertions', 'sp_encryption_certificate', 'encryption_algorithm'];

/** Inside the settings form: its values travel with the rest of the payload. */
export function ProtectionFields({ value, onValue, error }: { value: Protection; onValue: (p: Protection) => void; error: Loaded<unknown>['error'] }) {
  const encryptError = error?.fieldMessage('encrypt_assertions');
  return (
    <fieldset>
      <legend>Second factor and encryption</legend>
      <div class="check">
        <input
          type="checkbox"
          id="saml-require-mfa"
          checked={value.requireMfa}
          onChange={(e) => {
            onValue({ ...value, requireMfa: e.currentTarget.checked });
          }}
        />
        <label for="saml-require-mfa">Require a second factor for this service</label>
      </div>
      <div class="check">
        <input
          type="checkbox"
          id="saml-encrypt"
          checked={value.encrypt}
          aria-describedby={encryptError ? 'saml-encrypt-error' : undefined}
          onChange={(e) => {
            onValue({ ...value, encrypt: e.currentTarget.checked });
          }}
        />
        <label for="saml-encrypt">Encrypt assertions (needs the SP encryption certificate)</label>
      </div>
      {encryptError ? (
        <p class="field-error" id="saml-encrypt-error">
          {encryptError}
        </p>
      ) : null}
      <Field
        id="saml-enc-cert"
        field="sp_encryption_certificate"
        label="SP encryption certificate (PEM, optional)"
        multiline={4}
        value={value.encCert}
        onValue={(v) => {
          onValue({ ...value, encCert: v });
        }}
        error={error}
      />
      <div class="field">
        <label for="saml-enc-alg">Encryption algorithm</label>
        <select
          id="saml-enc-alg"
          value={value.algorithm}
          onChange={(e) => {
            onValue({ ...value, algorithm: e.currentTarget.value });
          }}
        >
          {ALGORITHMS.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
      </div>
    </fieldset>
  );
}

/** POST …/saml with sp_metadata_url: Tessera fetches it now and every `metadata_refresh_hours`. */
export function MetadataUrl({ base, cfg, reload, status }: { base: string; cfg: SamlConfig; reload: () => void; status: SavedStatus }) {
  const [url, setUrl] = useState(cfg.sp_metadata_url ?? '');
  const [hours, setHours] = useState(String(cfg.metadata_refresh_hours));
  const [pin, setPin] = useState(cfg.sp_metadata_signing_certificate ?? '');
  const { busy, error, run } = useSubmit();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const stop = !url.trim();
      const keep = stop ? { entity_id: cfg.entity_id, ...(cfg.acs_urls.length > 0 ? { acs_urls: cfg.acs_urls } : {}) } : {};
      await api('POST', `${base}/saml`, {
        enabled: stop ? cfg.enabled : true,
        ...keep,
        sp_metadata_url: stop ? null : url.trim(),
        metadata_refresh_hours: Number(hours),
        sp_metadata_signing_certificate: pin.trim() || null,
      });
      status.onSaved(stop ? 'Metadata URL removed: the settings stay as they are.' : 'Metadata fetched and saved.');
      reload();
    });
  };
  return (
    <section class="card">
      <h2>SP metadata from a URL</h2>
      {cfg.sp_metadata_url ? (
        <p class="muted">
          Fetched {formatDate(cfg.metadata_fetched_at)} · next refresh {formatDate(cfg.metadata_next_refresh_at)}
        </p>
      ) : null}
      {cfg.metadata_last_error ? (
        <p class="alert" role="alert">
          The last refresh failed: {cfg.metadata_last_error}. The last good values stay in use.
        </p>
      ) : null}
      <form onSubmit={submit} noValidate>
        <Field
          id="saml-metadata-url"
          field="sp_metadata_url"
          label="Metadata URL (https)"
          hint="Leave empty and save to stop the refreshes."
          value={url}
          onValue={setUrl}
          error={error}
        />
        <Field
          id="saml-metadata-hours"
          field="metadata_refresh_hours"
          label="Refresh every (hours, 1–720)"
          type="number"
          value={hours}
          onValue={setHours}
          error={error}
        />
        <Field
          id="saml-metadata-cert"
          field="sp_metadata_signing_certificate"
          label="Metadata signing certificate (PEM, optional)"
          hint="When set, the metadata must carry a signature that verifies with it, at every fetch."
          multiline={4}
          value={pin}
          onValue={setPin}
          error={error}
        />
        <FormError error={error} fields={['sp_metadata_url', 'metadata_refresh_hours', 'sp_metadata_signing_certificate']} />
        <Submit busy={busy}>{url.trim() ? 'Fetch and save' : 'Save'}</Submit>
        <Saved status={status} />
      </form>
    </section>
  );
}
