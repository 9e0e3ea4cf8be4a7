// A service's SAML (CONTRACT §6): configure from pasted or uploaded SP metadata or by hand, the IdP's
// details to give the SP (with copy buttons), a test sign-in, and signing-certificate rotation.
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import type { SamlConfig } from '../types.ts';
import { ConfirmButton, CopyValue, Field, FormError, LoadState, Saved, Submit, useLoad, useSavedStatus, useSubmit, type SavedStatus } from '../ui.tsx';
import { Certificates } from './certificates.tsx';
import { MetadataUrl } from './saml-extra.tsx';
import { SamlSettingsForm } from './saml-settings.tsx';

export function SamlTab({ base }: { base: string }) {
  const loaded = useLoad(() => api<SamlConfig>('GET', `${base}/saml`), base);
  const cfg = loaded.data;
  const status = useSavedStatus();
  return (
    <>
      <LoadState loaded={loaded} />
      {cfg ? (
        <>
          {cfg.enabled ? (
            <IdpDetails base={base} cfg={cfg} />
          ) : (
            <p class="notice">SAML is off for this service. Paste the metadata of your application (the SP) below to turn it on.</p>
          )}
          <ImportMetadata base={base} reload={loaded.reload} status={status('import')} />
          <MetadataUrl key={`url-${JSON.stringify(cfg)}`} base={base} cfg={cfg} reload={loaded.reload} status={status('url')} />
          <SamlSettingsForm key={JSON.stringify(cfg)} base={base} cfg={cfg} reload={loaded.reload} status={status('settings')} />
          {cfg.enabled ? <Certificates base={base} /> : null}
          {cfg.enabled ? <Disable base={base} reload={loaded.reload} /> : null}
        </>
      ) : null}
    </>
  );
}

function IdpDetails({ base, cfg }: { base: string; cfg: SamlConfig }) {
  const cert = useLoad(() => api<{ public_key: string }>('GET', `${base}/saml/certificate`), `${base}/cert`);
  // IdP-initiated SSO (CONTRACT §7): the same service's /init sends a fresh assertion to the configured ACS.
  const testUrl = cfg.sso_url.replace(/\/sso$/, '/init');
  return (
    <section class="card">
      <h2>Identity provider details</h2>
      <p>Give these to your application (the service provider), or let it read the metadata URL.</p>
      <CopyValue id="idp-metadata-url" label="IdP metadata URL" value={cfg.metadata_url} />
      <CopyValue id="idp-entity-id" label="IdP entity ID" value={cfg.idp_entity_id} />
      <CopyValue id="idp-sso-url" label="SSO URL" value={cfg.sso_url} />
      <LoadState loaded={cert} label="Loading the certificate…" />
      {cert.data ? <CopyValue id="idp-certificate" label="Signing certificate (PEM)" value={cert.data.public_key} multiline /> : null}
      {cfg.allow_idp_initiated ? (
        <p>
          <a class="button" id="test-sign-in" href={testUrl} target="_blank" rel="noopener noreferrer">
            Test sign-in (opens a new tab)
          </a>{' '}
          <span class="muted">Signs a directory user in and posts the assertion to {cfg.acs_url}.</span>
        </p>
      ) : (
        <p class="muted">IdP-initiated sign-in is off for this service, so no test sign-in link.</p>
      )}
    </section>
  );
}

function ImportMetadata({ base, reload, status }: { base: string; reload: () => void; status: SavedStatus }) {
  const [xml, setXml] = useState('');
  const { busy, error, run } = useSubmit();
  const upload = (e: Event) => {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    if (file) void file.text().then(setXml);
  };
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api('POST', `${base}/saml`, { enabled: true, sp_metadata_xml: xml });
      setXml('');
      status.onSaved('SAML configured from the metadata.');
      reload();
    });
  };
  return (
    <section class="card">
      <h2>Configure from SP metadata</h2>
      <form onSubmit={submit} noValidate>
        <Field
          id="sp-metadata"
          field="sp_metadata_xml"
          label="SP metadata XML"
          hint="Paste the EntityDescriptor your application publishes: entity ID, ACS URL, logout URL and signing certificate are read from it."
          multiline={8}
          value={xml}
          onValue={setXml}
          error={error}
          required
        />
        <div class="field">
          <label for="sp-metadata-file">Or upload the metadata file</label>
          <input id="sp-metadata-file" type="file" accept=".xml,application/xml,text/xml,application/samlmetadata+xml" onChange={upload} />
        </div>
        <FormError error={error} fields={['sp_metadata_xml']} />
        <Submit busy={busy}>Import and enable SAML</Submit>
        <Saved status={status} />
      </form>
    </section>
  );
}

function Disable({ base, reload }: { base: string; reload: () => void }) {
  return (
    <section class="card danger-zone">
      <h2>Turn SAML off</h2>
      <ConfirmButton
        danger
        label="Disable SAML"
        title="Disable SAML for this service?"
        message="Sign-ins through it stop at once and every signing certificate is deactivated."
        confirmLabel="Disable"
        onConfirm={async () => {
          await api('DELETE', `${base}/saml`);
          reload();
        }}
      />
    </section>
  );
}
