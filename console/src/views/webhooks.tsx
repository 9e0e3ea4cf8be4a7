// Webhooks of an organization (CONTRACT §13): create (the secret shown once), enable/disable, send a
// test, rotate the secret, delete, and each one's deliveries with retry. Written against the
// contract's shapes; their API arrives with the webhooks work (see docs/console.md).
import { useState } from 'preact/hooks';
import { api, enc } from '../api.ts';
import { ConfirmButton, CopyValue, Empty, Field, FormError, LoadState, Submit, Title, formatDate, useLoad, useSubmit } from '../ui.tsx';

const EVENTS = [
  'user.created',
  'user.updated',
  'user.deleted',
  'user.signed_in',
  'sign_in.refused',
  'subscription.created',
  'subscription.updated',
  'subscription.deleted',
  'api_key.created',
  'api_key.deleted',
  'saml.configured',
  'saml.certificate.rotated',
];

interface Webhook {
  id: string;
  url: string;
  events: string[];
  description?: string | null;
  enabled: boolean;
}
interface Delivery {
  id: string;
  status: string;
  event_type?: string;
  type?: string;
  attempts?: number;
  created_at: string;
}

export function WebhooksView({ org }: { org: string }) {
  const base = `/api/organizations/${enc(org)}/webhooks`;
  const list = useLoad(() => api<{ webhooks: Webhook[] }>('GET', `${base}?limit=100`), base);
  const [secret, setSecret] = useState('');
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
            <strong>Copy the signing secret now: it is shown only once.</strong>
          </p>
          <CopyValue id="webhook-secret" label="Webhook signing secret" value={secret} />
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

function CreateWebhook({ base, onCreated }: { base: string; onCreated: (secret: string) => void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<string[]>(['*']);
  const { busy, error, run } = useSubmit();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const res = await api<{ secret: string }>('POST', base, { url, events, ...(description.trim() ? { description: description.trim() } : {}) });
      setUrl('');
      setDescription('');
      onCreated(res.secret);
    });
  };
  const all = events.includes('*');
  const toggle = (ev: string, on: boolean) => {
    setEvents((list) => (on ? [...list.filter((x) => x !== '*'), ev] : list.filter((x) => x !== ev)));
  };
  const eventsError = error?.fieldMessage('events');
  return (
    <section class="card">
      <h2>Add a webhook</h2>
      <form onSubmit={submit} noValidate>
        <Field id="webhook-url" field="url" label="Endpoint URL (https)" value={url} onValue={setUrl} error={error} required />
        <Field id="webhook-description" field="description" label="Description (optional)" value={description} onValue={setDescription} error={error} />
        <fieldset>
          <legend>Events</legend>
          <div class="check">
            <input
              type="checkbox"
              id="webhook-all"
              checked={all}
              onChange={(e) => {
                setEvents(e.currentTarget.checked ? ['*'] : []);
              }}
            />
            <label for="webhook-all">All events</label>
          </div>
          {all
            ? null
            : EVENTS.map((ev) => (
                <div class="check" key={ev}>
                  <input
                    type="checkbox"
                    id={`webhook-${ev}`}
                    checked={events.includes(ev)}
                    onChange={(e) => {
                      toggle(ev, e.currentTarget.checked);
                    }}
                  />
                  <label for={`webhook-${ev}`}>
                    <code>{ev}</code>
                  </label>
                </div>
              ))}
          {eventsError ? <p class="field-error">{eventsError}</p> : null}
        </fieldset>
        <FormError error={error} fields={['url', 'description', 'events']} />
        <Submit busy={busy}>Add webhook</Submit>
      </form>
    </section>
  );
}

function WebhookCard({ base, hook, reload, onSecret }: { base: string; hook: Webhook; reload: () => void; onSecret: (s: string) => void }) {
  const path = `${base}/${enc(hook.id)}`;
  const [open, setOpen] = useState(false);
  const { busy, error, run } = useSubmit();
  const act = (action: () => Promise<void>) => () => void run(action);
  return (
    <section class="card">
      <h2>{hook.url}</h2>
      <p class="muted">
        {hook.description ? `${hook.description} · ` : ''}
        {hook.events.join(', ')} · <span class={`badge ${hook.enabled ? 'active' : 'inactive'}`}>{hook.enabled ? 'enabled' : 'disabled'}</span>
      </p>
      <div class="actions">
        <button
          type="button"
          disabled={busy}
          onClick={act(async () => {
            await api('PATCH', path, { enabled: !hook.enabled });
            reload();
          })}
        >
          {hook.enabled ? 'Disable' : 'Enable'}
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={act(async () => {
            await api('POST', `${path}/test`, {});
            setOpen(true);
          })}
        >
          Send a test event
        </button>
        <button
          type="button"
          aria-expanded={open}
          onClick={() => {
            setOpen(!open);
          }}
        >
          {open ? 'Hide deliveries' : 'Show deliveries'}
        </button>
        <ConfirmButton
          label="Rotate secret"
          title="Rotate the signing secret?"
          message="The old secret keeps signing beside the new one for 24 hours."
          confirmLabel="Rotate"
          onConfirm={async () => {
            onSecret((await api<{ secret: string }>('POST', `${path}/rotate-secret`, {})).secret);
          }}
        />
        <ConfirmButton
          danger
          label="Delete webhook"
          title="Delete this webhook?"
          message="Nothing more is delivered to it."
          confirmLabel="Delete"
          onConfirm={async () => {
            await api('DELETE', path);
            reload();
          }}
        />
      </div>
      {error ? (
        <p class="alert" role="alert">
          {error.message}
        </p>
      ) : null}
      {open ? <Deliveries path={path} /> : null}
    </section>
  );
}

function Deliveries({ path }: { path: string }) {
  const list = useLoad(() => api<{ deliveries: Delivery[]; total: number }>('GET', `${path}/deliveries?limit=20`), path);
  const { error, run } = useSubmit();
  return (
    <>
      <LoadState loaded={list} />
      {list.data && list.data.deliveries.length === 0 ? <Empty title="No deliveries yet.">Send a test event to see one.</Empty> : null}
      <ul class="rows">
        {list.data?.deliveries.map((d) => (
          <li key={d.id}>
            <code>{d.event_type ?? d.type ?? d.id}</code> <span class="badge">{d.status}</span>{' '}
            <span class="muted">
              {formatDate(d.created_at)}
              {d.attempts === undefined ? '' : ` · ${d.attempts} attempts`}
            </span>{' '}
            {d.status === 'succeeded' || d.status === 'success' ? null : (
              <button
                type="button"
                onClick={() =>
                  void run(async () => {
                    await api('POST', `${path}/deliveries/${enc(d.id)}/retry`, {});
                    list.reload();
                  })
                }
              >
                Retry
              </button>
            )}
          </li>
        ))}
      </ul>
      {error ? (
        <p class="alert" role="alert">
          {error.message}
        </p>
      ) : null}
    </>
  );
}
