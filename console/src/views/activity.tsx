// Sign-in activity and the audit log of an organization (docs/api.md, Audit log and Sign-in activity;
// CONTRACT §12): read-only, with the API's filters, applied on submit, and offset pagination. A filter
// the API refuses shows its message beside the field its `details` name.
import { api, enc } from '../api.ts';
import { FilterForm, useFilters } from '../filters.tsx';
import { Pager } from '../pager.tsx';
import { Empty, Field, LoadState, Title, counted, formatDate, useLoad } from '../ui.tsx';

const LIMIT = 50;

interface SignIn {
  id: string;
  flow: string;
  outcome: 'success' | 'refused';
  reason: string | null;
  user_id: string | null;
  email: string | null;
  service: string | null;
  service_id: string | null;
  binding: string | null;
  authn_context: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  created_at: string;
}
interface AuditEvent {
  id: string;
  action: string;
  actor: { type: string; id: string; email?: string };
  target: { type: string; id: string };
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  changes: Record<string, unknown> | null;
  created_at: string;
}

const WINDOW_HINT = 'RFC 3339, e.g. 2026-01-31T00:00:00Z';

function SignInRow({ s }: { s: SignIn }) {
  return (
    <tr data-outcome={s.outcome}>
      <td data-label="When">{formatDate(s.created_at)}</td>
      <td data-label="Outcome">
        <span class={`badge ${s.outcome === 'success' ? 'active' : 'pending'}`}>{s.outcome}</span> {s.reason ? <code>{s.reason}</code> : null}
      </td>
      <td data-label="User" class="wrap">
        {s.email ?? s.user_id ?? '—'}
      </td>
      <td data-label="Service" class="wrap">
        {s.service ?? s.service_id ?? '—'}
      </td>
      <td data-label="How">
        {s.flow}
        {s.binding ? <span class="muted"> · {s.binding}</span> : null}
        {s.authn_context ? (
          <>
            {' '}
            <code class="wrap" title={s.authn_context}>
              {s.authn_context.replace('urn:oasis:names:tc:SAML:2.0:ac:classes:', '')}
            </code>
          </>
        ) : null}
      </td>
      <td data-label="Reference">
        <code class="wrap">{s.request_id ?? '—'}</code> <span class="muted">{s.ip ?? ''}</span>
      </td>
    </tr>
  );
}

export function SignInsView({ org }: { org: string }) {
  const f = useFilters(LIMIT, { outcome: '', reason: '', service: '', user_id: '', request_id: '', since: '', until: '' });
  const list = useLoad(() => api<{ sign_ins: SignIn[]; total: number }>('GET', `/api/organizations/${enc(org)}/sign-ins?${f.q}`), `${org}?${f.q}`);
  const err = list.error;
  return (
    <>
      <Title>Sign-in activity</Title>
      <FilterForm label="Filter sign-ins" fields={Object.keys(f.draft)} loaded={list} apply={f.apply} clear={f.clear}>
        <div class="field">
          <label for="signin-outcome">Outcome</label>
          <select
            id="signin-outcome"
            value={f.draft.outcome}
            onChange={(e) => {
              f.set('outcome')(e.currentTarget.value);
            }}
          >
            <option value="">all</option>
            <option value="success">success</option>
            <option value="refused">refused</option>
          </select>
        </div>
        <Field
          id="signin-reason"
          field="reason"
          label="Reason code"
          value={f.draft.reason}
          onValue={f.set('reason')}
          error={err}
          placeholder="e.g. wrong_password"
        />
        <Field id="signin-service" field="service" label="Service (slug or id)" value={f.draft.service} onValue={f.set('service')} error={err} />
        <Field id="signin-user" field="user_id" label="User id" value={f.draft.user_id} onValue={f.set('user_id')} error={err} />
        <Field id="signin-request" field="request_id" label="Reference (request id)" value={f.draft.request_id} onValue={f.set('request_id')} error={err} />
        <Field id="signin-since" field="since" label="Since" value={f.draft.since} onValue={f.set('since')} error={err} placeholder={WINDOW_HINT} />
        <Field id="signin-until" field="until" label="Until" value={f.draft.until} onValue={f.set('until')} error={err} placeholder={WINDOW_HINT} />
      </FilterForm>
      {err?.details.length ? null : <LoadState loaded={list} />}
      {list.data && list.data.sign_ins.length === 0 ? (
        <Empty title="No sign-ins match.">Sign-ins appear here as users sign in to your services; clear the filters to see them all.</Empty>
      ) : null}
      {list.data && list.data.sign_ins.length > 0 ? (
        <table class="sign-ins">
          <caption>{counted(list.data.total, 'sign-in', 'sign-ins')}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Outcome</th>
              <th scope="col">User</th>
              <th scope="col">Service</th>
              <th scope="col">How</th>
              <th scope="col">Reference</th>
            </tr>
          </thead>
          <tbody>
            {list.data.sign_ins.map((s) => (
              <SignInRow key={s.id} s={s} />
            ))}
          </tbody>
        </table>
      ) : null}
      {list.data ? (
        <Pager label="Sign-ins" offset={f.offset} limit={LIMIT} shown={list.data.sign_ins.length} total={list.data.total} onOffset={f.setOffset} />
      ) : null}
    </>
  );
}

function Changes({ changes }: { changes: Record<string, unknown> | null }) {
  if (!changes || Object.keys(changes).length === 0) return <span class="muted">—</span>;
  return (
    <details>
      <summary>{Object.keys(changes).join(', ')}</summary>
      <pre class="changes">{JSON.stringify(changes, null, 2)}</pre>
    </details>
  );
}

export function AuditView({ org }: { org: string }) {
  const f = useFilters(LIMIT, { action: '', actor: '', since: '', until: '' });
  const list = useLoad(() => api<{ events: AuditEvent[]; total: number }>('GET', `/api/organizations/${enc(org)}/audit-events?${f.q}`), `${org}?${f.q}`);
  const err = list.error;
  return (
    <>
      <Title>Audit log</Title>
      <FilterForm label="Filter audit events" fields={Object.keys(f.draft)} loaded={list} apply={f.apply} clear={f.clear}>
        <Field
          id="audit-action"
          field="action"
          label="Action"
          value={f.draft.action}
          onValue={f.set('action')}
          error={err}
          placeholder="e.g. service.created"
        />
        <Field id="audit-actor" field="actor" label="Actor (id or email)" value={f.draft.actor} onValue={f.set('actor')} error={err} />
        <Field id="audit-since" field="since" label="Since" value={f.draft.since} onValue={f.set('since')} error={err} placeholder={WINDOW_HINT} />
        <Field id="audit-until" field="until" label="Until" value={f.draft.until} onValue={f.set('until')} error={err} placeholder={WINDOW_HINT} />
      </FilterForm>
      {err?.details.length ? null : <LoadState loaded={list} />}
      {list.data && list.data.events.length === 0 ? (
        <Empty title="No events match.">Every change made in this organization is recorded here; clear the filters to see them all.</Empty>
      ) : null}
      {list.data && list.data.events.length > 0 ? (
        <table class="audit">
          <caption>{counted(list.data.total, 'event', 'events')}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Action</th>
              <th scope="col">Actor</th>
              <th scope="col">Target</th>
              <th scope="col">Changes</th>
              <th scope="col">Reference</th>
            </tr>
          </thead>
          <tbody>
            {list.data.events.map((ev) => (
              <tr key={ev.id} data-action={ev.action}>
                <td data-label="When">{formatDate(ev.created_at)}</td>
                <td data-label="Action">
                  <code>{ev.action}</code>
                </td>
                <td data-label="Actor">
                  {ev.actor.email ? <span class="wrap">{ev.actor.email}</span> : <code class="wrap">{ev.actor.id}</code>}{' '}
                  <span class="muted">({ev.actor.type})</span>
                </td>
                <td data-label="Target">
                  {ev.target.type} <code class="wrap">{ev.target.id}</code>
                </td>
                <td data-label="Changes">
                  <Changes changes={ev.changes} />
                </td>
                <td data-label="Reference">
                  <code class="wrap">{ev.request_id ?? '—'}</code> <span class="muted">{ev.ip ?? ''}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {list.data ? (
        <Pager label="Audit events" offset={f.offset} limit={LIMIT} shown={list.data.events.length} total={list.data.total} onOffset={f.setOffset} />
      ) : null}
    </>
  );
}
