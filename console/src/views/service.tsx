// One service: overview (rename, delete), plans, API keys and SAML, one tab per path.
import { useState } from 'preact/hooks';
import { api, enc } from '../api.ts';
import { Link, navigate } from '../router.tsx';
import type { Plan, Service } from '../types.ts';
import { ConfirmButton, CopyValue, Field, FormError, LoadState, Submit, Title, useLoad, useSubmit } from '../ui.tsx';
import { ApiKeysTab } from './api-keys.tsx';
import { PlansTab } from './plans.tsx';
import { SamlTab } from './saml.tsx';

const TABS = [
  ['overview', 'Overview'],
  ['plans', 'Plans'],
  ['keys', 'API keys'],
  ['saml', 'SAML'],
] as const;

const PROVIDERS = [
  ['github', 'GitHub'],
  ['google', 'Google'],
  ['microsoft', 'Microsoft'],
] as const;
type Provider = (typeof PROVIDERS)[number][0];

interface ServiceAnswer {
  service: Service;
  provider_grants: { provider: Provider; scopes: string[] }[];
  plans: Plan[];
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** The scopes each provider grants, one per line, as the form edits them. */
function scopesText(grants: ServiceAnswer['provider_grants']): Record<Provider, string> {
  const text: Record<Provider, string> = { github: '', google: '', microsoft: '' };
  for (const g of grants) text[g.provider] = g.scopes.join('\n');
  return text;
}

export function ServiceView({ org, svc, tab }: { org: string; svc: string; tab: string }) {
  const base = `/api/organizations/${enc(org)}/services/${enc(svc)}`;
  const loaded = useLoad(() => api<ServiceAnswer>('GET', base), base);
  const service = loaded.data?.service;
  return (
    <>
      <p class="crumbs">
        <Link to={`/orgs/${org}/services`}>Services</Link> /
      </p>
      <Title>{service ? service.name : svc}</Title>
      <nav class="tabs" aria-label="Service">
        {TABS.map(([id, label]) => (
          <Link key={id} to={`/orgs/${org}/services/${svc}${id === 'overview' ? '' : `/${id}`}`} aria-current={tab === id ? 'page' : undefined}>
            {label}
          </Link>
        ))}
      </nav>
      <LoadState loaded={loaded} />
      {loaded.data ? <TabBody org={org} base={base} answer={loaded.data} tab={tab} reload={loaded.reload} /> : null}
    </>
  );
}

function TabBody({ org, base, answer, tab, reload }: { org: string; base: string; answer: ServiceAnswer; tab: string; reload: () => void }) {
  if (tab === 'plans') return <PlansTab base={base} />;
  if (tab === 'keys') return <ApiKeysTab base={base} />;
  if (tab === 'saml') return <SamlTab base={base} />;
  return <Overview org={org} base={base} answer={answer} reload={reload} />;
}

function Overview({ org, base, answer, reload }: { org: string; base: string; answer: ServiceAnswer; reload: () => void }) {
  const { service } = answer;
  const [name, setName] = useState(service.name);
  const [uris, setUris] = useState(service.redirect_uris.join('\n'));
  const [scopes, setScopes] = useState(() => scopesText(answer.provider_grants));
  const { busy, error, run } = useSubmit();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      // An empty list clears the provider's grant (null), as the API takes it.
      const grants = Object.fromEntries(PROVIDERS.map(([p]) => [`${p}_scopes`, lines(scopes[p]).length ? lines(scopes[p]) : null]));
      await api('PATCH', base, { name, redirect_uris: lines(uris), ...grants });
      reload();
    });
  };
  return (
    <>
      <section class="card">
        <h2>Details</h2>
        <p>
          Slug <code>{service.slug}</code> · type <span class="badge">{service.service_type}</span>
        </p>
        <CopyValue id="client-id" label="Client ID" value={service.client_id} />
        <form onSubmit={submit} noValidate>
          <Field id="service-edit-name" field="name" label="Name" value={name} onValue={setName} error={error} required />
          <Field id="service-redirects" field="redirect_uris" label="Redirect URIs (one per line)" multiline={3} value={uris} onValue={setUris} error={error} />
          {PROVIDERS.map(([p, label]) => (
            <Field
              key={p}
              id={`service-${p}-scopes`}
              field={`${p}_scopes`}
              label={`${label} scopes granted (one per line)`}
              multiline={2}
              value={scopes[p]}
              onValue={(v) => {
                setScopes({ ...scopes, [p]: v });
              }}
              error={error}
            />
          ))}
          <FormError error={error} fields={['name', 'redirect_uris', ...PROVIDERS.map(([p]) => `${p}_scopes`)]} />
          <Submit busy={busy}>Save</Submit>
        </form>
      </section>
      <section class="card danger-zone">
        <h2>Delete the service</h2>
        <p>Deletes its plans, subscriptions, API keys, SAML configuration and certificates. Only owners may.</p>
        <ConfirmButton
          danger
          label="Delete service"
          title={`Delete ${service.name}?`}
          message="Applications using its API keys or SAML stop working at once. This cannot be undone."
          confirmLabel="Delete for good"
          onConfirm={async () => {
            await api('DELETE', base);
            navigate(`/orgs/${org}/services`, true);
          }}
        />
      </section>
    </>
  );
}
