// Sign-in activity and the audit log of an organization (CONTRACT §12), read-only with the API's filters.
// Written against the contract's shapes; their API arrives with the audit work (see docs/console.md).
import { useState } from 'preact/hooks';
import { api, enc } from '../api.ts';
import { Empty, Field, LoadState, Title, formatDate, useLoad } from '../ui.tsx';

interface SignIn {
  id: string;
  outcome: 'success' | 'refused';
  reason?: string | null;
  email?: string | null;
  service?: string | null;
  binding?: string | null;
  ip: string;
  request_id: string;
  created_at: string;
}
interface AuditEvent {
  id: string;
  action: string;
  actor: { type: string; id: string; email?: string | null };
  target: { type: string; id: string };
  ip: string;
  request_id: string;
  created_at: string;
}

function query(filters: Record<string, string>): string {
  const q = new URLSearchParams({ limit: '50' });
  for (const [k, v] of Object.entries(filters)) if (v.trim()) q.set(k, v.trim());
  return q.toString();
}

export function SignInsView({ org }: { org: string }) {
  const [outcome, setOutcome] = useState('');
  const [reason, setReason] = useState('');
  const [service, setService] = useState('');
  const q = query({ outcome, reason, service });
  const list = useLoad(() => api<{ sign_ins: SignIn[]; total: number }>('GET', `/api/organizations/${enc(org)}/sign-ins?${q}`), `${org}?${q}`);
  return (
    <>
      <Title>Sign-in activity</Title>
      <form
        class="filters"
        role="search"
        aria-label="Filter sign-ins"
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        <div class="field">
          <label for="signin-outcome">Outcome</label>
          <select
            id="signin-outcome"
            value={outcome}
            onChange={(e) => {
              setOutcome(e.currentTarget.value);
            }}
          >
            <option value="">all</option>
            <option value="success">success</option>
            <option value="refused">refused</option>
          </select>
        </div>
        <Field id="signin-reason" label="Reason code" value={reason} onValue={setReason} placeholder="e.g. wrong_password" />
        <Field id="signin-service" label="Service slug" value={service} onValue={setService} />
      </form>
      <LoadState loaded={list} />
      {list.data && list.data.sign_ins.length === 0 ? <Empty title="No sign-ins match.">Sign-ins appear here as users sign in to your services.</Empty> : null}
      {list.data && list.data.sign_ins.length > 0 ? (
        <table>
          <caption>{list.data.total} sign-ins, newest first (50 shown)</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Outcome</th>
              <th scope="col">User</th>
              <th scope="col">Service</th>
              <th scope="col">Reference</th>
            </tr>
          </thead>
          <tbody>
            {list.data.sign_ins.map((s) => (
              <tr key={s.id}>
                <td data-label="When">{formatDate(s.created_at)}</td>
                <td data-label="Outcome">
                  <span class={`badge ${s.outcome === 'success' ? 'active' : 'pending'}`}>{s.outcome}</span> {s.reason ? <code>{s.reason}</code> : null}
                </td>
                <td data-label="User">{s.email ?? '—'}</td>
                <td data-label="Service">{s.service ?? '—'}</td>
                <td data-label="Reference">
                  <code>{s.request_id}</code> <span class="muted">{s.ip}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

export function AuditView({ org }: { org: string }) {
  const [action, setAction] = useState('');
  const [actor, setActor] = useState('');
  const q = query({ action, actor });
  const list = useLoad(() => api<{ events: AuditEvent[]; total: number }>('GET', `/api/organizations/${enc(org)}/audit-events?${q}`), `${org}?${q}`);
  return (
    <>
      <Title>Audit log</Title>
      <form
        class="filters"
        role="search"
        aria-label="Filter audit events"
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        <Field id="audit-action" label="Action" value={action} onValue={setAction} placeholder="e.g. service.created" />
        <Field id="audit-actor" label="Actor id" value={actor} onValue={setActor} />
      </form>
      <LoadState loaded={list} />
      {list.data && list.data.events.length === 0 ? <Empty title="No events match.">Every change made in this organization is recorded here.</Empty> : null}
      {list.data && list.data.events.length > 0 ? (
        <table>
          <caption>{list.data.total} events, newest first (50 shown)</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Action</th>
              <th scope="col">Actor</th>
              <th scope="col">Target</th>
            </tr>
          </thead>
          <tbody>
            {list.data.events.map((ev) => (
              <tr key={ev.id}>
                <td data-label="When">{formatDate(ev.created_at)}</td>
                <td data-label="Action">
                  <code>{ev.action}</code>
                </td>
                <td data-label="Actor">
                  {ev.actor.email ?? ev.actor.id} <span class="muted">({ev.actor.type})</span>
                </td>
                <td data-label="Target">
                  {ev.target.type} <code>{ev.target.id}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
