// The SAML settings, field by field; the API's `details` appear beside the field they name.
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import type { SamlConfig } from '../types.ts';
import { Field, FormError, Saved, Submit, useSubmit, type SavedStatus } from '../ui.tsx';
import { formatTakesSource } from '../../../src/saml/name-id-formats.ts';
import { AcsEditor, acsPayload, acsRowsOf, type AcsRows } from './saml-acs.tsx';
import { PROTECTION_FIELDS, ProtectionFields, protectionOf, protectionPayload, type Protection } from './saml-extra.tsx';

const NAME_ID_FORMATS: [string, string][] = [
  ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', 'Email address'],
  ['urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', 'Persistent (stable opaque id per service)'],
  ['urn:oasis:names:tc:SAML:2.0:nameid-format:transient', 'Transient (new for every assertion)'],
  ['urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified', 'Unspecified (the user id)'],
];
const ATTRIBUTE_PREFIX = 'attributes.';
const FLAGS = [
  ['sign_response', 'Sign the Response'],
  ['sign_assertions', 'Sign the Assertion (an encrypted Assertion is always signed)'],
  ['want_authn_requests_signed', 'Require signed AuthnRequests (needs the SP certificate)'],
  ['allow_idp_initiated', 'Allow IdP-initiated sign-in (and the test sign-in link)'],
] as const;
type Flag = (typeof FLAGS)[number][0];

/** "email = http://…/emailaddress" lines ↔ the attribute_mapping object. */
function mappingText(m: Record<string, string>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n');
}
function mappingOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (line.trim() === '') continue;
    out[(eq === -1 ? line : line.slice(0, eq)).trim()] = eq === -1 ? '' : line.slice(eq + 1).trim();
  }
  return out;
}

interface Form {
  enabled: boolean;
  entityId: string;
  sloUrl: string;
  format: string;
  /** '' (the format's default), 'email', 'id' or 'attribute' (with `sourceAttribute`). */
  source: string;
  sourceAttribute: string;
  mapping: string;
  spCert: string;
}

function payload(f: Form, flags: Record<Flag, boolean>, acs: AcsRows, protection: Protection) {
  return {
    enabled: f.enabled,
    ...(f.entityId.trim() ? { entity_id: f.entityId.trim() } : {}),
    ...acsPayload(acs),
    ...protectionPayload(protection),
    slo_url: f.sloUrl.trim() || null,
    name_id_format: f.format,
    name_id_source: nameIdSource(f),
    attribute_mapping: mappingOf(f.mapping),
    sp_certificate: f.spCert.trim() || null,
    ...flags,
  };
}

/** null for the format's default, and always for the formats that take no source. */
function nameIdSource(f: Form): string | null {
  if (!formatTakesSource(f.format) || f.source === '') return null;
  return f.source === 'attribute' ? `${ATTRIBUTE_PREFIX}${f.sourceAttribute.trim()}` : f.source;
}

function formOf(cfg: SamlConfig): Form {
  const source = cfg.name_id_source ?? '';
  const fromAttribute = source.startsWith(ATTRIBUTE_PREFIX);
  return {
    source: fromAttribute ? 'attribute' : source,
    sourceAttribute: fromAttribute ? source.slice(ATTRIBUTE_PREFIX.length) : '',
    enabled: cfg.enabled,
    entityId: cfg.entity_id ?? '',
    sloUrl: cfg.slo_url ?? '',
    format: cfg.name_id_format,
    mapping: mappingText(cfg.attribute_mapping),
    spCert: cfg.sp_certificate ?? '',
  };
}

function flagsOf(cfg: SamlConfig): Record<Flag, boolean> {
  const { sign_response, sign_assertions, want_authn_requests_signed, allow_idp_initiated } = cfg;
  return { sign_response, sign_assertions, want_authn_requests_signed, allow_idp_initiated };
}

/** The fields whose API errors the form shows beside a control; FormError shows the rest. */
const PLACED_FIELDS = [
  'entity_id',
  'acs_url',
  'acs_urls',
  'slo_url',
  'name_id_format',
  'name_id_source',
  'attribute_mapping',
  'sp_certificate',
  'sign_response',
  'want_authn_requests_signed',
  ...PROTECTION_FIELDS,
];

export function SamlSettingsForm({ base, cfg, reload, status }: { base: string; cfg: SamlConfig; reload: () => void; status: SavedStatus }) {
  const [form, setForm] = useState<Form>(() => formOf(cfg));
  const set = (key: keyof Form) => (value: string | boolean) => {
    setForm((f) => ({ ...f, [key]: value }));
  };
  const [flags, setFlags] = useState<Record<Flag, boolean>>(() => flagsOf(cfg));
  const [protection, setProtection] = useState<Protection>(() => protectionOf(cfg));
  const [acs, setAcs] = useState<AcsRows>(() => acsRowsOf(cfg));
  const { busy, error, run } = useSubmit();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api('POST', `${base}/saml`, payload(form, flags, acs, protection));
      status.onSaved('SAML settings saved.');
      reload();
    });
  };
  const formatError = error?.fieldMessage('name_id_format');
  const flagError = error?.fieldMessage('sign_response') ?? error?.fieldMessage('want_authn_requests_signed');
  return (
    <section class="card">
      <h2>Settings</h2>
      <form onSubmit={submit} noValidate>
        <div class="check">
          <input
            type="checkbox"
            id="saml-enabled"
            checked={form.enabled}
            onChange={(e) => {
              set('enabled')(e.currentTarget.checked);
            }}
          />
          <label for="saml-enabled">SAML sign-in enabled</label>
        </div>
        <Field id="saml-entity-id" field="entity_id" label="SP entity ID" value={form.entityId} onValue={set('entityId')} error={error} />
        <AcsEditor value={acs} onValue={setAcs} error={error} />
        <Field id="saml-slo-url" field="slo_url" label="SP logout URL (optional)" value={form.sloUrl} onValue={set('sloUrl')} error={error} />
        <NameIdFormat value={form.format} onValue={set('format')} error={formatError} />
        {formatTakesSource(form.format) ? <NameIdSource form={form} set={set} error={error} /> : null}
        <Field
          id="saml-mapping"
          field="attribute_mapping"
          label="Attributes sent (one per line: source = SAML attribute name)"
          hint="Sources: id, email, name, created_at, plan_id, plan_name, subscription_status, features (one value per plan feature), groups (one value per group), mfa (true or false), attributes.<name> (the user's attribute <name>)."
          multiline={4}
          value={form.mapping}
          onValue={set('mapping')}
          error={error}
        />
        <Field
          id="saml-sp-cert"
          field="sp_certificate"
          label="SP signing certificate (PEM, optional)"
          multiline={5}
          value={form.spCert}
          onValue={set('spCert')}
          error={error}
        />
        <SigningFlags flags={flags} setFlags={setFlags} error={flagError} />
        <ProtectionFields value={protection} onValue={setProtection} error={error} />
        <FormError error={error} fields={PLACED_FIELDS} />
        <Submit busy={busy}>Save SAML settings</Submit>
        <Saved status={status} />
      </form>
    </section>
  );
}

function SigningFlags({ flags, setFlags, error }: { flags: Record<Flag, boolean>; setFlags: (f: Record<Flag, boolean>) => void; error: string | undefined }) {
  return (
    <fieldset>
      <legend>Signing</legend>
      {FLAGS.map(([flag, label]) => (
        <div class="check" key={flag}>
          <input
            type="checkbox"
            id={`saml-${flag}`}
            checked={flags[flag]}
            onChange={(e) => {
              setFlags({ ...flags, [flag]: e.currentTarget.checked });
            }}
          />
          <label for={`saml-${flag}`}>{label}</label>
        </div>
      ))}
      {error ? <p class="field-error">{error}</p> : null}
    </fieldset>
  );
}

function NameIdFormat({ value, onValue, error }: { value: string; onValue: (v: string) => void; error: string | undefined }) {
  return (
    <div class="field">
      <label for="saml-nameid">NameID format</label>
      <select
        id="saml-nameid"
        value={value}
        onChange={(e) => {
          onValue(e.currentTarget.value);
        }}
      >
        {NAME_ID_FORMATS.map(([v, label]) => (
          <option key={v} value={v}>
            {label}
          </option>
        ))}
      </select>
      {error ? <p class="field-error">{error}</p> : null}
    </div>
  );
}

/** Which user value becomes the NameID, for the emailAddress and unspecified formats (CONTRACT §14). */
function NameIdSource({ form, set, error }: { form: Form; set: (key: keyof Form) => (value: string) => void; error: ReturnType<typeof useSubmit>['error'] }) {
  const message = error?.fieldMessage('name_id_source');
  const attribute = form.source === 'attribute';
  return (
    <>
      <div class="field">
        <label for="saml-nameid-source">NameID value</label>
        <select
          id="saml-nameid-source"
          value={form.source}
          aria-invalid={message && !attribute ? true : undefined}
          aria-describedby={message && !attribute ? 'saml-nameid-source-error' : undefined}
          onChange={(e) => {
            set('source')(e.currentTarget.value);
          }}
        >
          <option value="">Default for the format (email address, or the user id for Unspecified)</option>
          <option value="email">The user's email address</option>
          <option value="id">The user's id</option>
          <option value="attribute">One of the user's attributes</option>
        </select>
        {message && !attribute ? (
          <p class="field-error" id="saml-nameid-source-error">
            {message}
          </p>
        ) : null}
      </div>
      {attribute ? (
        <Field
          id="saml-nameid-attribute"
          field="name_id_source"
          label="Attribute name"
          hint="The attribute's name as set on the user (e.g. employee_id); a user without it cannot sign in to this service."
          value={form.sourceAttribute}
          onValue={set('sourceAttribute')}
          error={error}
        />
      ) : null}
    </>
  );
}
