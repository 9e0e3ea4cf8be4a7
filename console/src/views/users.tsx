// The organization's user directory (CONTRACT §8): the people who sign in to its services. Create
// (with a password, or without and then a password link), groups and attributes (§14), second factors
// and their reset (§11), disable/enable, delete.
import { useState } from 'preact/hooks';
import { api, enc } from '../api.ts';
import type { DirectoryUser } from '../types.ts';
import { CopyValue, Empty, Field, FormError, LoadState, Submit, Title, formatDate, useLoad, useSubmit } from '../ui.tsx';
import { DeleteUser, EditProfile, ProfileFields, ResetMfa, hasMfa, mfaText, parseAttributes, parseGroups } from './user-profile.tsx';

export function UsersView({ org }: { org: string }) {
  const base = `/api/organizations/${enc(org)}/users`;
  const list = useLoad(() => api<{ users: DirectoryUser[]; total: number }>('GET', `${base}?limit=100`), base);
  const [link, setLink] = useState<{ email: string; url: string; expires: string } | null>(null);
  return (
    <>
      <Title>Directory users</Title>
      <CreateUser base={base} onCreated={list.reload} />
      {link ? (
        <div class="notice" role="status">
          <p>
            Password link for <strong>{link.email}</strong>: single use, valid until {formatDate(link.expires)}. Send it to them over a channel you trust.
          </p>
          <CopyValue id="password-link" label="Password link" value={link.url} />
        </div>
      ) : null}
      <LoadState loaded={list} />
      {list.data && list.data.users.length === 0 ? (
        <Empty title="No users yet.">Add the people who sign in to your services with the form above; they set their password through a link.</Empty>
      ) : null}
      {list.data && list.data.users.length > 0 ? (
        <table>
          <caption>{list.data.total} users (first 100 shown)</caption>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Status</th>
              <th scope="col">Second factors</th>
              <th scope="col">Groups</th>
              <th scope="col">Created</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data.users.map((u) => (
              <UserRow key={u.id} base={base} user={u} reload={list.reload} onLink={setLink} />
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

function CreateUser({ base, onCreated }: { base: string; onCreated: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [groups, setGroups] = useState('');
  const [attributes, setAttributes] = useState('');
  const { busy, error, run } = useSubmit();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const profile = { groups: parseGroups(groups), attributes: parseAttributes(attributes) };
      await api('POST', base, { email, ...(password ? { password } : {}), ...profile });
      setEmail('');
      setPassword('');
      setGroups('');
      setAttributes('');
      onCreated();
    });
  };
  return (
    <section class="card">
      <h2>Add a user</h2>
      <form onSubmit={submit} noValidate>
        <Field id="user-email" field="email" label="Email" type="email" value={email} onValue={setEmail} error={error} required />
        <Field
          id="user-password"
          field="password"
          label="Password (optional)"
          type="password"
          autoComplete="new-password"
          hint="Leave empty and send a password link instead, so you never know their password."
          value={password}
          onValue={setPassword}
          error={error}
        />
        <ProfileFields idPrefix="user" groups={groups} attributes={attributes} onGroups={setGroups} onAttributes={setAttributes} error={error} />
        <FormError error={error} fields={['email', 'password', 'groups', 'attributes']} />
        <Submit busy={busy}>Add user</Submit>
      </form>
    </section>
  );
}

interface RowProps {
  base: string;
  user: DirectoryUser;
  reload: () => void;
  onLink: (l: { email: string; url: string; expires: string }) => void;
}

function UserRow({ base, user, reload, onLink }: RowProps) {
  const path = `${base}/${enc(user.id)}`;
  const [editing, setEditing] = useState(false);
  const { busy, error, run } = useSubmit();
  const link = () =>
    run(async () => {
      const res = await api<{ url: string; expires_at: string }>('POST', `${path}/password-link`, {});
      onLink({ email: user.email, url: res.url, expires: res.expires_at });
    });
  const toggle = () =>
    run(async () => {
      await api('PATCH', path, { disabled: !user.disabled });
      reload();
    });
  return (
    <>
      <tr data-user={user.email}>
        <td data-label="Email" class="wrap">
          {user.email}
        </td>
        <td data-label="Status">
          <span class={`badge ${user.disabled ? 'inactive' : 'active'}`}>{user.disabled ? 'disabled' : 'active'}</span>
          {user.has_password ? null : <span class="muted"> no password yet</span>}
        </td>
        <td data-label="Second factors" class="mfa">
          {mfaText(user.mfa)}
        </td>
        <td data-label="Groups">{user.groups.length > 0 ? user.groups.join(', ') : <span class="muted">none</span>}</td>
        <td data-label="Created">{formatDate(user.created_at)}</td>
        <td data-label="Actions" class="actions">
          <button
            type="button"
            aria-expanded={editing}
            onClick={() => {
              setEditing(!editing);
            }}
            aria-label={`Edit groups and attributes of ${user.email}`}
          >
            {editing ? 'Close' : 'Groups and attributes'}
          </button>
          <button type="button" disabled={busy} onClick={() => void link()} aria-label={`Password link for ${user.email}`}>
            Password link
          </button>
          <button type="button" disabled={busy} onClick={() => void toggle()} aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${user.email}`}>
            {user.disabled ? 'Enable' : 'Disable'}
          </button>
          {hasMfa(user.mfa) ? <ResetMfa path={path} email={user.email} onDone={reload} /> : null}
          <DeleteUser path={path} email={user.email} onDone={reload} />
          {error ? (
            <p class="field-error" role="alert">
              {error.message}
            </p>
          ) : null}
        </td>
      </tr>
      {editing ? (
        <tr class="editor">
          <td colSpan={6}>
            <EditProfile
              path={path}
              user={user}
              onSaved={() => {
                setEditing(false);
                reload();
              }}
            />
          </td>
        </tr>
      ) : null}
    </>
  );
}
