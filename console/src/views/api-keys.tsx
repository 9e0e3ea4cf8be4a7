// A service's API keys (CONTRACT §5): permissions as checkboxes, the new key shown once, revocation confirmed.
import { useState } from 'preact/hooks';
import { api, enc } from '../api.ts';
import type { ApiKey } from '../types.ts';
import { ConfirmButton, CopyValue, Empty, Field, FormError, LoadState, Submit, formatDate, useLoad, useSubmit } from '../ui.tsx';

// The Service API's permissions and what each allows (the product's documentation of the Service API).
const PERMISSIONS: [string, string][] = [
  ['read:users', 'Read user data'],
  ['write:users', 'Create/update users'],
  ['delete:users', 'Delete users'],
  ['read:subscriptions', 'Read subscription data'],
  ['write:subscriptions', 'Create/update subscriptions'],
  ['delete:subscriptions', 'Delete subscriptions'],
  ['read:analytics', 'Access analytics'],
  ['read:service', 'Read service info'],
  ['write:service', 'Update service info'],
];

export function ApiKeysTab({ base }: { base: string }) {
  const list = useLoad(() => api<{ api_keys: ApiKey[] }>('GET', `${base}/api-keys?limit=100`), base);
  return (
    <>
      <CreateKey base={base} reload={list.reload} />
      <LoadState loaded={list} />
      {list.data && list.data.api_keys.length === 0 ? (
        <Empty title="No API keys yet.">Your backend calls the Service API with a key: create one above.</Empty>
      ) : null}
      <ul class="cards">
        {list.data?.api_keys.map((k) => (
          <li key={k.id}>
            <strong>{k.name}</strong>{' '}
            <code>
              sk_{k.environment}_{k.prefix}…
            </code>
            <p class="muted">
              {k.permissions.join(', ')} · expires {k.expires_at ? formatDate(k.expires_at) : 'never'} · last used {formatDate(k.last_used_at)}
            </p>
            <ConfirmButton
              danger
              label={`Revoke key ${k.name}`}
              title={`Revoke the key ${k.name}?`}
              message="Every request with this key is refused from the next one on."
              confirmLabel="Revoke"
              onConfirm={async () => {
                await api('DELETE', `${base}/api-keys/${enc(k.id)}`);
                list.reload();
              }}
            />
          </li>
        ))}
      </ul>
    </>
  );
}

function CreateKey({ base, reload }: { base: string; reload: () => void }) {
  const [name, setName] = useState('');
  const [perms, setPerms] = useState<string[]>([]);
  const [environment, setEnvironment] = useState('live');
  const [days, setDays] = useState('');
  const [created, setCreated] = useState('');
  const { busy, error, run } = useSubmit();
  const toggle = (p: string, on: boolean) => {
    setPerms((list) => (on ? [...list, p] : list.filter((x) => x !== p)));
  };
  const submit = (e: Event) => {
    e.preventDefault();
    setCreated('');
    void run(async () => {
      const body = { name, permissions: perms, environment, ...(days.trim() ? { expires_in_days: Number(days) } : {}) };
      const res = await api<{ key: string }>('POST', `${base}/api-keys`, body);
      setCreated(res.key);
      setName('');
      setPerms([]);
      reload();
    });
  };
  const permError = error?.fieldMessage('permissions');
  return (
    <section class="card">
      <h2>Create an API key</h2>
      {created ? (
        <div class="notice" role="status">
          <p>
            <strong>Copy this key now: it is shown only once.</strong> Tessera keeps only a hash of it.
          </p>
          <CopyValue id="new-key" label="New API key" value={created} />
        </div>
      ) : null}
      <form onSubmit={submit} noValidate>
        <Field id="key-name" field="name" label="Name" value={name} onValue={setName} error={error} required />
        <fieldset aria-describedby={permError ? 'key-perms-error' : undefined}>
          <legend>Permissions</legend>
          {PERMISSIONS.map(([p, description]) => (
            <div class="check" key={p}>
              <input
                type="checkbox"
                id={`perm-${p}`}
                checked={perms.includes(p)}
                onChange={(e) => {
                  toggle(p, e.currentTarget.checked);
                }}
              />
              <label for={`perm-${p}`}>
                <code>{p}</code> — {description}
              </label>
            </div>
          ))}
          {permError ? (
            <p class="field-error" id="key-perms-error">
              {permError}
            </p>
          ) : null}
        </fieldset>
        <div class="field">
          <label for="key-env">Environment</label>
          <select
            id="key-env"
            value={environment}
            onChange={(e) => {
              setEnvironment(e.currentTarget.value);
            }}
          >
            <option value="live">live</option>
            <option value="test">test</option>
          </select>
        </div>
        <Field id="key-days" field="expires_in_days" label="Expires after (days, optional)" type="number" value={days} onValue={setDays} error={error} />
        <FormError error={error} fields={['name', 'permissions', 'expires_in_days', 'environment']} />
        <Submit busy={busy}>Create key</Submit>
      </form>
    </section>
  );
}
