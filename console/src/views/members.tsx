// Members (roles, removal) and invitations (the token shown once) of an organization (CONTRACT §2).
import { useState } from 'preact/hooks';
import { api, enc } from '../api.ts';
import type { Invitation, Member, Role } from '../types.ts';
import {
  ConfirmButton,
  CopyValue,
  Empty,
  Field,
  FormError,
  LoadState,
  SendByEmail,
  useMailChoice,
  Submit,
  Title,
  formatDate,
  toApiError,
  useLoad,
  useSubmit,
} from '../ui.tsx';

const ROLES: Role[] = ['owner', 'admin', 'member'];

export function MembersView({ org }: { org: string }) {
  const base = `/api/organizations/${enc(org)}`;
  const members = useLoad(() => api<{ members: Member[] }>('GET', `${base}/members?limit=100`), org);
  return (
    <>
      <Title>Members</Title>
      <LoadState loaded={members} />
      {members.data ? (
        <table>
          <caption>People who can manage this organization</caption>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Joined</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {members.data.members.map((m) => (
              <MemberRow key={m.account_id} base={base} member={m} reload={members.reload} />
            ))}
          </tbody>
        </table>
      ) : null}
      <Invitations base={base} />
    </>
  );
}

function MemberRow({ base, member, reload }: { base: string; member: Member; reload: () => void }) {
  const [error, setError] = useState('');
  const change = (role: string) => {
    setError('');
    api('PATCH', `${base}/members/${enc(member.account_id)}`, { role }).then(reload, (err: unknown) => {
      setError(toApiError(err).message);
    });
  };
  return (
    <tr>
      <td data-label="Email" class="wrap">
        {member.email}
      </td>
      <td data-label="Role">
        <select
          aria-label={`Role of ${member.email}`}
          value={member.role}
          onChange={(e) => {
            change(e.currentTarget.value);
          }}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        {error ? (
          <p class="field-error" role="alert">
            {error}
          </p>
        ) : null}
      </td>
      <td data-label="Joined">{formatDate(member.joined_at)}</td>
      <td data-label="Actions">
        <ConfirmButton
          danger
          label={`Remove ${member.email}`}
          title={`Remove ${member.email}?`}
          message="They lose access to this organization at once."
          confirmLabel="Remove"
          onConfirm={async () => {
            await api('DELETE', `${base}/members/${enc(member.account_id)}`);
            reload();
          }}
        />
      </td>
    </tr>
  );
}

function Invitations({ base }: { base: string }) {
  const list = useLoad(() => api<{ invitations: Invitation[] }>('GET', `${base}/invitations?limit=100`), base);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const mail = useMailChoice();
  const [sent, setSent] = useState<{ token: string; email: string; emailed: boolean | undefined } | null>(null);
  const { busy, error, run } = useSubmit();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const res = await api<{ token: string; email_sent: boolean }>('POST', `${base}/invitations`, { email, role, ...mail.body });
      setSent({ token: res.token, email, emailed: mail.send ? res.email_sent : undefined });
      setEmail('');
      list.reload();
    });
  };
  // The API names send_email when this instance cannot send mail at all (production without SMTP_URL);
  // another 409 (already a member) stays with the form's own errors.
  const mailError = error?.fieldMessage('send_email');
  const pending = list.data?.invitations.filter((i) => i.status === 'pending') ?? [];
  return (
    <section class="card">
      <h2>Invitations</h2>
      <form onSubmit={submit} noValidate>
        <Field id="invite-email" field="email" label="Email to invite" type="email" value={email} onValue={setEmail} error={error} required />
        <div class="field">
          <label for="invite-role">Role</label>
          <select
            id="invite-role"
            value={role}
            onChange={(e) => {
              setRole(e.currentTarget.value as Role);
            }}
          >
            <option value="member">member (reads everything)</option>
            <option value="admin">admin (manages services, keys, SAML, users)</option>
          </select>
        </div>
        <SendByEmail id="invite-send-email" label="Send by email (a link that opens this console with the token filled in)" choice={mail} error={mailError} />
        <FormError error={error} fields={['email', 'role', 'send_email']} />
        <Submit busy={busy}>Invite</Submit>
      </form>
      {sent ? (
        <div class="notice" role="status">
          <p>
            {sent.emailed === true ? `Sent by email to ${sent.email}. ` : null}
            {sent.emailed === false ? `The email to ${sent.email} could not be sent. ` : null}
            {sent.emailed === true ? 'The token is also here' : 'Send this token to the invited person'}; it is shown only now and is valid for 7 days.
          </p>
          <CopyValue id="invite-token-value" label="Invitation token" value={sent.token} />
        </div>
      ) : null}
      <LoadState loaded={list} />
      {list.data && pending.length === 0 ? <Empty title="No pending invitations.">Invite someone with the form above.</Empty> : null}
      <ul class="rows">
        {pending.map((i) => (
          <li key={i.id}>
            {i.email} <span class="badge">{i.role}</span> <span class="muted">expires {formatDate(i.expires_at)}</span>{' '}
            <ConfirmButton
              danger
              label={`Revoke invitation for ${i.email}`}
              title="Revoke this invitation?"
              message={`${i.email} will no longer be able to join with it.`}
              confirmLabel="Revoke"
              onConfirm={async () => {
                await api('DELETE', `${base}/invitations/${enc(i.id)}`);
                list.reload();
              }}
            />
          </li>
        ))}
      </ul>
    </section>
  );
}
