// An organization's services and creating one (CONTRACT §3).
import { useState } from 'preact/hooks';
import { api, enc } from '../api.ts';
import { Link, navigate } from '../router.tsx';
import type { Service, Usage } from '../types.ts';
import { Empty, Field, FormError, LoadState, Submit, Title, useLoad, useSubmit } from '../ui.tsx';

const TYPES = ['web', 'mobile', 'desktop', 'cli', 'api'] as const;

export function ServicesView({ org }: { org: string }) {
  const loaded = useLoad(() => api<{ services: Service[]; usage: Usage }>('GET', `/api/organizations/${enc(org)}/services`), org);
  return (
    <>
      <Title>Services</Title>
      <LoadState loaded={loaded} />
      {loaded.data ? (
        <>
          <p class="muted">
            {loaded.data.usage.current_services} of {loaded.data.usage.max_services} services used.
          </p>
          {loaded.data.services.length === 0 ? (
            <Empty title="No services yet.">A service is an application your users sign in to. Create one below, then configure SAML for it.</Empty>
          ) : (
            <ul class="cards">
              {loaded.data.services.map((s) => (
                <li key={s.id}>
                  <Link to={`/orgs/${org}/services/${s.slug}`}>{s.name}</Link> <span class="muted">({s.slug})</span> <span class="badge">{s.service_type}</span>
                </li>
              ))}
            </ul>
          )}
        </>
      ) : null}
      <CreateService org={org} />
    </>
  );
}

function CreateService({ org }: { org: string }) {
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [type, setType] = useState<string>('web');
  const { busy, error, run } = useSubmit();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api('POST', `/api/organizations/${enc(org)}/services`, { name, slug, service_type: type });
      navigate(`/orgs/${org}/services/${slug}`);
    });
  };
  const typeError = error?.fieldMessage('service_type');
  return (
    <section class="card">
      <h2>Create a service</h2>
      <form onSubmit={submit} noValidate>
        <Field id="service-name" field="name" label="Name" value={name} onValue={setName} error={error} required />
        <Field
          id="service-slug"
          field="slug"
          label="Slug"
          hint="3–50 lower-case letters, digits and dashes; part of its SAML URLs."
          value={slug}
          onValue={setSlug}
          error={error}
          required
        />
        <div class="field">
          <label for="service-type">Type</label>
          <select
            id="service-type"
            value={type}
            onChange={(e) => {
              setType(e.currentTarget.value);
            }}
          >
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          {typeError ? <p class="field-error">{typeError}</p> : null}
        </div>
        <FormError error={error} fields={['name', 'slug', 'service_type']} />
        <Submit busy={busy}>Create service</Submit>
      </form>
    </section>
  );
}
