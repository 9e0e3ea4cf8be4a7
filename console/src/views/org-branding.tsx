// The organization's hosted-page branding and second-factor policy (docs/api.md, Organizations):
// PATCH /api/organizations/:org with display_name, logo_url, primary_color, support_url (an empty
// field sends null, which clears it) and mfa_policy.
import { useState } from 'preact/hooks';
import { api, enc } from '../api.ts';
import { Field, FormError, Submit, useSubmit } from '../ui.tsx';

export interface Branding {
  display_name: string | null;
  logo_url: string | null;
  primary_color: string | null;
  support_url: string | null;
  mfa_policy: 'off' | 'optional' | 'required';
}

const BRANDING = ['display_name', 'logo_url', 'primary_color', 'support_url'] as const;

export function BrandingForm({ org, current }: { org: string; current: Branding }) {
  const [values, setValues] = useState<Record<(typeof BRANDING)[number], string>>({
    display_name: current.display_name ?? '',
    logo_url: current.logo_url ?? '',
    primary_color: current.primary_color ?? '',
    support_url: current.support_url ?? '',
  });
  const [policy, setPolicy] = useState(current.mfa_policy);
  const [saved, setSaved] = useState(false);
  const { busy, error, run } = useSubmit();
  const set = (k: (typeof BRANDING)[number]) => (v: string) => {
    setValues((old) => ({ ...old, [k]: v }));
  };
  const submit = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    void run(async () => {
      const body = Object.fromEntries(BRANDING.map((k) => [k, values[k].trim() ? values[k].trim() : null]));
      await api('PATCH', `/api/organizations/${enc(org)}`, { ...body, mfa_policy: policy });
      setSaved(true);
    });
  };
  const policyError = error?.fieldMessage('mfa_policy');
  return (
    <section class="card">
      <h2>Sign-in pages and second factors</h2>
      <form onSubmit={submit} noValidate>
        <PolicySelect policy={policy} onPolicy={setPolicy} error={policyError} />
        <Field
          id="org-display-name"
          field="display_name"
          label="Display name (optional)"
          value={values.display_name}
          onValue={set('display_name')}
          error={error}
          hint="Shown on the sign-in pages instead of the name."
        />
        <Field id="org-logo-url" field="logo_url" label="Logo URL (https, optional)" value={values.logo_url} onValue={set('logo_url')} error={error} />
        <Field
          id="org-primary-color"
          field="primary_color"
          label="Button colour (optional)"
          value={values.primary_color}
          onValue={set('primary_color')}
          error={error}
          placeholder="#1f5fbf"
        />
        <Field
          id="org-support-url"
          field="support_url"
          label="Support URL (https, optional)"
          value={values.support_url}
          onValue={set('support_url')}
          error={error}
          hint="Linked from the footer of every sign-in page. Empty fields clear the setting."
        />
        <FormError error={error} fields={['mfa_policy', ...BRANDING]} />
        <Submit busy={busy}>Save sign-in settings</Submit>
        <span role="status" class="saved">
          {saved ? 'Saved.' : ''}
        </span>
      </form>
    </section>
  );
}

function PolicySelect({
  policy,
  onPolicy,
  error: policyError,
}: {
  policy: Branding['mfa_policy'];
  onPolicy: (p: Branding['mfa_policy']) => void;
  error: string | undefined;
}) {
  return (
    <div class="field">
      <label for="org-mfa-policy">Second-factor policy</label>
      <select
        id="org-mfa-policy"
        value={policy}
        aria-describedby={`org-mfa-policy-hint${policyError ? ' org-mfa-policy-error' : ''}`}
        aria-invalid={policyError ? true : undefined}
        onChange={(e) => {
          onPolicy(e.currentTarget.value as Branding['mfa_policy']);
        }}
      >
        <option value="off">off: never ask for a second factor</option>
        <option value="optional">optional: ask users who have one</option>
        <option value="required">required: every user enrolls and uses one</option>
      </select>
      <p class="hint" id="org-mfa-policy-hint">
        A SAML service can also require one (SAML settings), and an SP can ask for one in its request.
      </p>
      {policyError ? (
        <p class="field-error" id="org-mfa-policy-error">
          {policyError}
        </p>
      ) : null}
    </div>
  );
}
