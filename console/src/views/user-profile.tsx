// A directory user's groups and attributes (they travel into SAML assertions, CONTRACT §14) as two
// text areas, and their second factors (§11) as one line. The API checks every value; its `details`
// (groups.0, attributes.name) show under the text area they belong to.
import { useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import type { DirectoryUser, MfaSummary } from '../types.ts';
import { ConfirmButton, Field, FormError, Submit, useSubmit } from '../ui.tsx';

export function mfaText(m: MfaSummary): string {
  const parts = [m.totp ? 'authenticator app' : '', m.webauthn > 0 ? `${String(m.webauthn)} security ${m.webauthn === 1 ? 'key' : 'keys'}` : ''].filter(
    Boolean,
  );
  if (parts.length === 0) return 'none';
  return `${parts.join(', ')}${m.recovery_codes_left > 0 ? ` · ${String(m.recovery_codes_left)} recovery codes left` : ''}`;
}

export function hasMfa(m: MfaSummary): boolean {
  return m.totp || m.webauthn > 0 || m.recovery_codes_left > 0;
}

/** One group per line (commas also separate). */
export function parseGroups(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((g) => g.trim())
    .filter(Boolean);
}

/** `name=value`, one per line; a line without `=` is refused here, before the API is asked. */
export function parseAttributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    const at = line.indexOf('=');
    if (at <= 0) throw new ApiError(400, 'CLIENT', 'Invalid attributes', [{ field: 'attributes', message: `Line ${String(i + 1)}: write name=value` }]);
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

export function attributesText(a: Record<string, string>): string {
  return Object.entries(a)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

interface ProfileProps {
  idPrefix: string;
  groups: string;
  attributes: string;
  onGroups: (v: string) => void;
  onAttributes: (v: string) => void;
  error: ApiError | undefined;
}

export function ProfileFields(p: ProfileProps) {
  return (
    <>
      <Field
        id={`${p.idPrefix}-groups`}
        field="groups"
        label="Groups"
        multiline={3}
        value={p.groups}
        onValue={p.onGroups}
        error={p.error}
        hint="One per line, e.g. admins."
      />
      <Field
        id={`${p.idPrefix}-attributes`}
        field="attributes"
        label="Attributes"
        multiline={3}
        value={p.attributes}
        onValue={p.onAttributes}
        error={p.error}
        hint="One name=value per line, e.g. department=Sales."
      />
    </>
  );
}

/** The edit form of one user's groups and attributes (PATCH replaces both lists). */
export function EditProfile({ path, user, onSaved }: { path: string; user: DirectoryUser; onSaved: () => void }) {
  const [groups, setGroups] = useState(user.groups.join('\n'));
  const [attributes, setAttributes] = useState(attributesText(user.attributes));
  const { busy, error, run } = useSubmit();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api('PATCH', path, { groups: parseGroups(groups), attributes: parseAttributes(attributes) });
      onSaved();
    });
  };
  return (
    <form onSubmit={submit} noValidate aria-label={`Groups and attributes of ${user.email}`}>
      <ProfileFields idPrefix={`edit-${user.id}`} groups={groups} attributes={attributes} onGroups={setGroups} onAttributes={setAttributes} error={error} />
      <FormError error={error} fields={['groups', 'attributes']} />
      <Submit busy={busy}>Save groups and attributes</Submit>
    </form>
  );
}

/** DELETE …/users/:id/mfa after confirmation: every factor and recovery code of the user goes. */
export function ResetMfa({ path, email, onDone }: { path: string; email: string; onDone: () => void }) {
  return (
    <ConfirmButton
      danger
      label={`Reset MFA of ${email}`}
      title={`Reset the second factors of ${email}?`}
      message="Their authenticator app, security keys and recovery codes are removed. They sign in with their password and enroll again when a second factor is asked for. Do this only once you have checked who is asking."
      confirmLabel="Reset MFA"
      onConfirm={async () => {
        await api('DELETE', `${path}/mfa`);
        onDone();
      }}
    />
  );
}

/** DELETE …/users/:id after confirmation. */
export function DeleteUser({ path, email, onDone }: { path: string; email: string; onDone: () => void }) {
  return (
    <ConfirmButton
      danger
      label={`Delete ${email}`}
      title={`Delete ${email}?`}
      message="They can no longer sign in to any service of this organization."
      confirmLabel="Delete"
      onConfirm={async () => {
        await api('DELETE', path);
        onDone();
      }}
    />
  );
}
