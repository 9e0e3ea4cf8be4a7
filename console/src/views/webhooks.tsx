// Webhooks of an organization (docs/api.md, Webhooks; CONTRACT §13): add (the signing secret shown
// once), enable/disable, send a test event, rotate the secret (the new one shown once), delete, and
// each webhook's deliveries (status, attempts, last response) with retry.
import { useState } from 'preact/hooks';
import { EVENT_TYPES } from '../../../src/webhooks/events.ts';
import { api, enc } from '../api.ts';
import { Pager } from '../pager.tsx';
import {
  ActionButton,
  ConfirmButton,
  CopyValue,
  Empty,
  Field,
  FormError,
  LoadState,
  Submit,
  Title,
  formatDate,
  useActions,
  useLoad,
  useSubmit,
} from '../ui.tsx';

// The types a webhook can subscribe to, from the server's own list (a file without imports, so the bundle
// takes it as is); webhook.test goes to one webhook whatever it takes.
const EVENTS = EVENT_TYPES.filter((t) => t !== 'webhook.test');
const DELIVERY_LIMIT = 20;

interface Webhook {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  previous_secret_expires_at: string | null;
  created_at: string;
}
interface Delivery {
  id: string;
  event_id: string;
  event_type: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  last_response_status: number | null;
  last_error: string | null;
  created_at: string;
}
interface NewSecret {
  url: string;
  secret: string;
  why: 'created' | 'rotated';
  previousUntil: string | null;
}

export function WebhooksView({ org }: { org: string }) {
  const base = `/api/organizations/${enc(org)}/webhooks`;
  const list = useLoad(() => api<{ webhooks: Webhook[]; total: number }>('GET', `${base}?limit=100`), base);
  const [secret, setSecret] = useState<NewSecret | null>(null);
  return (
    <>
      <Title>Webhooks</Title>
      <CreateWebhook
        base={base}
        onCreated={(s) => {
          setSecret(s);
          list.reload();
        }}
      />
      {secret ? (
        <div class="notice" role="status">
          <p>
            <strong>Copy the signing secret of {secret.url} now: it is shown only once.</strong>
            {secret.why === 'rotated' && secret.previousUntil ? ` The previous secret keeps signing beside it until ${formatDate(secret.previousUntil)}.` : ''}
          </p>
          <CopyValue id="webhook-secret" label="Webhook signing secret" value={secret.secret} />
        </div>
      ) : null}
      <LoadState loaded={list} />
      {list.data && list.data.webhooks.length === 0 ? (
        <Empty title="No webhooks yet.">Add an https endpoint above to be told about sign-ins, users and subscriptions.</Empty>
      ) : null}
      {list.data?.webhooks.map((w) => (
        <WebhookCard key={w.id} base={base} hook={w} reload={list.reload} onSecret={setSecret} />
      ))}
    </>
  );
}

interface WebhookValues {
  url: string;
  description: string;
  events: string[];
}

/** The URL, description and events of a webhook, to add one (ids `webhook-…`) or to edit one. */
function WebhookForm(p: { idPrefix: string; initial: WebhookValues; submitLabel: string; label?: string; onSubmit: (v: WebhookValues) => Promise<void> }) {
  const [url, setUrl] = useState(p.initial.url);
  const [description, setDescription] = useState(p.initial.description);
  const [events, setEvents] = useState<string[]>(p.initial.events);
  const { busy, error, run } = useSubmit();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await p.onSubmit({ url, description: description.trim(), events });
      setUrl(p.initial.url);
      setDescription(p.initial.description);
      setEvents(p.initial.events);
    });
  };
  const all = events.includes('*');
  const toggle = (ev: string, on: boolean) => {
    setEvents((list) => (on ? [...list.filter((x) => x !== '*'), ev] : list.filter((x) => x !== ev)));
  };
  const id = p.idPrefix;
  const eventsError = error?.fieldMessage('events');
  return (
    <form onSubmit={submit} noValidate aria-label={p.label}>
      <Field id={`${id}-url`} field="url" label="Endpoint URL (https)" type="text" value={url} onValue={setUrl} error={error} required />
      <Field id={`${id}-description`} field="description" label="Description (optional)" value={description} onValue={setDescription} error={error} />
      <fieldset aria-describedby={eventsError ? `${id}-events-error` : undefined}>
        <legend>Events</legend>
        <div class="check">
          <input
            type="checkbox"
            id={`${id}-all`}
            checked={all}
            onChange={(e) => {
              setEvents(e.currentTarget.checked ? ['*'] : []);
            }}
          />
          <label for={`${id}-all`}>All events</label>
        </div>
        {all
          ? null
          : EVENTS.map((ev) => (
              <div class="check" key={ev}>
                <input
                  type="checkbox"
                  id={`${id}-${ev}`}
                  checked={events.includes(ev)}
                  onChange={(e) => {
                    toggle(ev, e.currentTarget.checked);
                  }}
                />
                <label for={`${id}-${ev}`}>
                  <code>{ev}</code>
                </label>
              </div>
            ))}
        {eventsError ? (
          <p class="field-error" id={`${id}-events-error`}>
            {eventsError}
          </p>
        ) : null}
      </fieldset>
      <FormError error={error} fields={['url', 'description', 'events']} />
      <Submit busy={busy}>{p.submitLabel}</Submit>
    </form>
  );
}

function CreateWebhook({ base, onCreated }: { base: string; onCreated: (s: NewSecret) => void }) {
  return (
    <section class="card">
      <h2>Add a webhook</h2>
      <WebhookForm
        idPrefix="webhook"
        initial={{ url: '', description: '', events: ['*'] }}
        submitLabel="Add webhook"
        onSubmit={async (v) => {
          const res = await api<{ webhook: Webhook; secret: string }>('POST', base, {
            url: v.url,
            events: v.events,
            ...(v.description ? { description: v.description } : {}),
          });
          onCreated({ url: res.webhook.url, secret: res.secret, why: 'created', previousUntil: null });
        }}
      />
    </section>
  );
}

/** PATCH …/webhooks/:id with the URL, description (empty clears it) and events. */
function EditWebhook({ path, hook, onSaved }: { path: string; hook: Webhook; onSaved: () => void }) {
  return (
    <WebhookForm
      idPrefix={`webhook-edit-${hook.id}`}
      label={`Edit webhook ${hook.url}`}
      initial={{ url: hook.url, description: hook.description ?? '', events: hook.events }}
      submitLabel="Save webhook"
      onSubmit={async (v) => {
        await api('PATCH', path, { url: v.url, events: v.events, description: v.description || null });
        onSaved();
      }}
    />
  );
}

interface CardProps {
  base: string;
  hook: Webhook;
  reload: () => void;
  onSecret: (s: NewSecret) => void;
}

function WebhookCard({ base, hook, reload, onSecret }: CardProps) {
  const path = `${base}/${enc(hook.id)}`;
  const [open, setOpen] = useState(false);
  const [editing, setEditing] = useState(false);
  const [round, setRound] = useState(0);
  const [sent, setSent] = useState('');
  const { running, busy, error, act } = useActions<'toggle' | 'test'>();
  return (
    <section class="card webhook" data-url={hook.url}>
      <Summary hook={hook} />
      <div class="actions">
        <ActionButton
          busy={running === 'toggle'}
          disabled={busy}
          onClick={act('toggle', async () => {
            await api('PATCH', path, { enabled: !hook.enabled });
            reload();
          })}
        >
          {hook.enabled ? 'Disable' : 'Enable'}
        </ActionButton>
        <ActionButton
          busy={running === 'test'}
          disabled={busy || !hook.enabled}
          onClick={act('test', async () => {
            const res = await api<{ delivery_id: string }>('POST', `${path}/test`, {});
            setSent(`Test event queued (delivery ${res.delivery_id}).`);
            setOpen(true);
            setRound((r) => r + 1);
          })}
        >
          Send a test event
        </ActionButton>
        <button
          type="button"
          aria-expanded={open}
          onClick={() => {
            setOpen(!open);
          }}
        >
          {open ? 'Hide deliveries' : 'Show deliveries'}
        </button>
        <button
          type="button"
          aria-expanded={editing}
          onClick={() => {
            setEditing(!editing);
          }}
        >
          {editing ? 'Close the editor' : 'Edit'}
        </button>
        <RotateAndDelete path={path} hook={hook} reload={reload} onSecret={onSecret} />
      </div>
      {editing ? (
        <EditWebhook
          path={path}
          hook={hook}
          onSaved={() => {
            setEditing(false);
            reload();
          }}
        />
      ) : null}
      <p role="status" class="saved">
        {sent}
      </p>
      {error ? (
        <p class="alert" role="alert">
          {error.message}
        </p>
      ) : null}
      {open ? <Deliveries path={path} round={round} enabled={hook.enabled} /> : null}
    </section>
  );
}

function Summary({ hook }: { hook: Webhook }) {
  return (
    <>
      <h2 class="wrap">{hook.url}</h2>
      <p class="muted">
        {hook.description ? `${hook.description} · ` : ''}
        {hook.events.includes('*') ? 'all events' : hook.events.join(', ')} ·{' '}
        <span class={`badge ${hook.enabled ? 'active' : 'inactive'}`}>{hook.enabled ? 'enabled' : 'disabled'}</span>
        {hook.previous_secret_expires_at ? ` · previous secret valid until ${formatDate(hook.previous_secret_expires_at)}` : ''}
      </p>
    </>
  );
}

function RotateAndDelete({ path, hook, reload, onSecret }: Omit<CardProps, 'base'> & { path: string }) {
  return (
    <>
      <ConfirmButton
        label="Rotate secret"
        title="Rotate the signing secret?"
        message="A new secret is shown once; the current one keeps signing beside it for 24 hours, so update your receiver within that time."
        confirmLabel="Rotate"
        onConfirm={async () => {
          const res = await api<{ secret: string; previous_secret_expires_at: string | null }>('POST', `${path}/rotate-secret`, {});
          onSecret({ url: hook.url, secret: res.secret, why: 'rotated', previousUntil: res.previous_secret_expires_at });
          reload();
        }}
      />
      <ConfirmButton
        danger
        label="Delete webhook"
        title="Delete this webhook?"
        message={`Nothing more is delivered to ${hook.url}, and its delivery history is deleted.`}
        confirmLabel="Delete"
        onConfirm={async () => {
          await api('DELETE', path);
          reload();
        }}
      />
    </>
  );
}

function Deliveries({ path, round, enabled }: { path: string; round: number; enabled: boolean }) {
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const [mine, setMine] = useState(0);
  const q = new URLSearchParams({ limit: String(DELIVERY_LIMIT), offset: String(offset), ...(status ? { status } : {}) }).toString();
  const list = useLoad(() => api<{ deliveries: Delivery[]; total: number }>('GET', `${path}/deliveries?${q}`), `${path}?${q}#${String(round + mine)}`);
  const selectId = `deliveries-status-${path.slice(-12)}`;
  return (
    <div class="deliveries">
      <h3>Deliveries</h3>
      <div class="actions">
        <div class="field">
          <label for={selectId}>Status</label>
          <select
            id={selectId}
            value={status}
            onChange={(e) => {
              setStatus(e.currentTarget.value);
              setOffset(0);
            }}
          >
            <option value="">all</option>
            <option value="pending">pending</option>
            <option value="succeeded">succeeded</option>
            <option value="failed">failed</option>
          </select>
        </div>
        <button
          type="button"
          onClick={() => {
            setMine((n) => n + 1);
          }}
        >
          Refresh deliveries
        </button>
      </div>
      <LoadState loaded={list} />
      {list.data && list.data.deliveries.length === 0 ? <Empty title="No deliveries yet.">Send a test event to see one.</Empty> : null}
      <ul class="rows">
        {list.data?.deliveries.map((d) => (
          <li key={d.id} data-status={d.status}>
            <code>{d.event_type}</code>{' '}
            <span class={`badge ${d.status === 'succeeded' ? 'active' : d.status === 'failed' ? 'inactive' : 'pending'}`}>{d.status}</span>{' '}
            <span class="muted">
              {formatDate(d.created_at)} · {d.attempts} {d.attempts === 1 ? 'attempt' : 'attempts'}
              {d.last_response_status === null ? '' : ` · last response ${String(d.last_response_status)}`}
              {d.next_attempt_at ? ` · next attempt ${formatDate(d.next_attempt_at)}` : ''}
            </span>
            {d.last_error ? <p class="field-error wrap">{d.last_error}</p> : null}
            {d.status === 'succeeded' || !enabled ? null : <Retry path={`${path}/deliveries/${enc(d.id)}/retry`} id={d.id} reload={list.reload} />}
          </li>
        ))}
      </ul>
      {list.data ? (
        <Pager label="Deliveries" offset={offset} limit={DELIVERY_LIMIT} shown={list.data.deliveries.length} total={list.data.total} onOffset={setOffset} />
      ) : null}
    </div>
  );
}

/** Retry of one delivery: disabled while it is asked for, so that a double click retries once. */
function Retry({ path, id, reload }: { path: string; id: string; reload: () => void }) {
  const { busy, error, run } = useSubmit();
  return (
    <>
      <ActionButton
        busy={busy}
        label={`Retry delivery ${id}`}
        onClick={() =>
          void run(async () => {
            await api('POST', path, {});
            reload();
          })
        }
      >
        Retry
      </ActionButton>
      {error ? (
        <p class="field-error" role="alert">
          {error.message}
        </p>
      ) : null}
    </>
  );
}
