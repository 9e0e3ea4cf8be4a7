// The organization's user directory (CONTRACT §8): the people who sign in to its services, 50 a page,
// found by exact email. Create (with a password, or without and then a password link, shown and
// optionally emailed, §11), groups and attributes (§14), second factors and their reset (§11),
// disable/enable, delete.
import { useState } from 'preact/hooks';
import { ApiError, api, enc } from '../api.ts';
import { FilterForm, useFilters } from '../filters.tsx';
import { Pager } from '../pager.tsx';
import type { DirectoryUser } from '../types.ts';
import {
  ActionButton,
  CopyValue,
  Empty,
  Field,
  FormError,
  LoadState,
  SendByEmail,
  Submit,
  useMailChoice,
  type MailChoice,
  Title,
  counted,
  formatDate,
  useActions,
  useLoad,
  useSubmit,
} from '../ui.tsx';
import { DeleteUser, EditProfile, ProfileFields, ResetMfa, hasMfa, mfaText, parseAttributes, parseGroups } from './user-profile.tsx';

const LIMIT = 50;

interface NewLink {
  email: string;
  url: string;
  expires: string;
  /** Whether the link was mailed too: undefined when that was not asked. */
  emailed: boolean | undefined;
}

export function UsersView({ org }: { org: string }) {
  const base = `/api/organizations/${enc(org)}/users`;
  const f = useFilters(LIMIT, { email: '' });
  const list = useLoad(() => api<{ users: DirectoryUser[]; total: number }>('GET', `${base}?${f.q}`), `${base}?${f.q}`);
  const [link, setLink] = useState<NewLink | null>(null);
  const mail = useMailChoice();
  const [mailError, setMailError] = useState('');
  return (
    <>
      <Title>Directory users</Title>
      <CreateUser base={base} onCreated={list.reload} />
      <FilterForm label="Find users" fields={['email']} loaded={list} apply={f.apply} clear={f.clear}>
        <Field id="users-filter-email" field="email" label="Email (exact)" type="email" value={f.draft.email} onValue={f.set('email')} error={list.error} />
      </FilterForm>
      <SendByEmail
        id="password-link-email"
        label="Send by email"
        hint="A password link you make below is also emailed to the user."
        choice={mail}
        onChecked={() => {
          setMailError('');
        }}
        error={mailError || undefined}
      />
      {link ? <LinkNotice link={link} /> : null}
      {list.error?.details.length ? null : <LoadState loaded={list} />}
      {list.data && list.data.users.length === 0 ? (
        f.q.includes('email=') ? (
          <Empty title="No user has this email.">Check the address, or clear the filter to see everyone.</Empty>
        ) : list.data.total > 0 ? (
          // A later page emptied by deletions: the users are on the pages before it.
          <Empty title="No users on this page.">Go to the previous page to see the others.</Empty>
        ) : (
          <Empty title="No users yet.">Add the people who sign in to your services with the form above; they set their password through a link.</Empty>
        )
      ) : null}
      {list.data && list.data.users.length > 0 ? (
        <table>
          <caption>{counted(list.data.total, 'user', 'users')}, oldest first</caption>
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
              <UserRow key={u.id} base={base} user={u} reload={list.reload} onLink={setLink} mail={mail.body} onMailError={setMailError} />
            ))}
          </tbody>
        </table>
      ) : null}
      {list.data ? (
        <Pager
          label="Users"
          offset={f.offset}
          limit={LIMIT}
          shown={list.data.users.length}
          total={list.data.total}
          onOffset={f.setOffset}
          back="Previous"
          forward="Next"
        />
      ) : null}
    </>
  );
}

function LinkNotice({ link }: { link: NewLink }) {
  return (
    <div class="notice" role="status">
      <p>
        Password link for <strong>{link.email}</strong>: single use, valid until {formatDate(link.expires)}.{' '}
        {link.emailed === true ? `Sent by email to ${link.email}.` : null}
        {link.emailed === false ? 'The email could not be sent: copy the link and send it over a channel you trust.' : null}
        {link.emailed === undefined ? 'Send it to them over a channel you trust.' : null}
      </p>
      <CopyValue id="password-link" label="Password link" value={link.url} />
    </div>
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
  onLink: (l: NewLink) => void;
  /** The password-link request's mail part (useMailChoice's body). */
  mail: MailChoice['body'];
  /** The refusal of send_email (no way to send mail at all) shows under the Send by email checkbox. */
  onMailError: (message: string) => void;
}

function UserRow({ base, user, reload, onLink, mail, onMailError }: RowProps) {
  const path = `${base}/${enc(user.id)}`;
  const [editing, setEditing] = useState(false);
  const { running, busy, error, act } = useActions<'link' | 'toggle'>();
  const link = act('link', async () => {
    onMailError('');
    try {
      const res = await api<{ url: string; expires_at: string; email_sent: boolean }>('POST', `${path}/password-link`, mail);
      onLink({ email: user.email, url: res.url, expires: res.expires_at, emailed: mail.send_email ? res.email_sent : undefined });
    } catch (err) {
      // Only the refusal the API ties to send_email (no way to send mail at all) goes under the checkbox.
      const refused = err instanceof ApiError ? err.fieldMessage('send_email') : undefined;
      if (refused === undefined) throw err;
      onMailError(refused);
    }
  });
  const toggle = act('toggle', async () => {
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
          <ActionButton busy={running === 'link'} disabled={busy} onClick={link} label={`Password link for ${user.email}`}>
            Password link
          </ActionButton>
          <ActionButton busy={running === 'toggle'} disabled={busy} onClick={toggle} label={`${user.disabled ? 'Enable' : 'Disable'} ${user.email}`}>
            {user.disabled ? 'Enable' : 'Disable'}
          </ActionButton>
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
