// One organization: its sections by path, and its settings.
import { useState } from 'preact/hooks';
import { api, enc } from '../api.ts';
import { useSession } from '../app.tsx';
import { navigate } from '../router.tsx';
import type { OrgSummary, Usage } from '../types.ts';
import { ConfirmButton, Field, FormError, LoadState, Submit, Title, useLoad, useSubmit } from '../ui.tsx';
import { AuditView, SignInsView } from './activity.tsx';
import { BrandingForm, type Branding } from './org-branding.tsx';
import { MembersView } from './members.tsx';
import { ServiceView } from './service.tsx';
import { ServicesView } from './services.tsx';
import { UsersView } from './users.tsx';
import { WebhooksView } from './webhooks.tsx';

export function OrgView({ org, path }: { org: string; path: string }) {
  const [, , , section, svc, tab] = path.split('/');
  if (section === 'services' && svc) return <ServiceView key={`${org}/${svc}`} org={org} svc={svc} tab={tab ?? 'overview'} />;
  if (section === 'users') return <UsersView key={org} org={org} />;
  if (section === 'members') return <MembersView key={org} org={org} />;
  if (section === 'sign-ins') return <SignInsView key={org} org={org} />;
  if (section === 'audit') return <AuditView key={org} org={org} />;
  if (section === 'webhooks') return <WebhooksView key={org} org={org} />;
  if (section === 'settings') return <SettingsView key={org} org={org} />;
  return <ServicesView key={org} org={org} />;
}

interface OrgAnswer {
  organization: OrgSummary & Branding;
  usage: Usage;
}

function SettingsView({ org }: { org: string }) {
  const loaded = useLoad(() => api<OrgAnswer>('GET', `/api/organizations/${enc(org)}`), org);
  return (
    <>
      <Title>Organization settings</Title>
      <LoadState loaded={loaded} />
      {loaded.data ? <SettingsForms org={org} answer={loaded.data} /> : null}
    </>
  );
}

function SettingsForms({ org, answer }: { org: string; answer: OrgAnswer }) {
  const { reloadMe } = useSession();
  const [name, setName] = useState(answer.organization.name);
  const [saved, setSaved] = useState(false);
  const { busy, error, run } = useSubmit();
  const submit = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    void run(async () => {
      await api('PATCH', `/api/organizations/${enc(org)}`, { name });
      setSaved(true);
      reloadMe();
    });
  };
  const remove = async () => {
    await api('DELETE', `/api/organizations/${enc(org)}`);
    reloadMe();
    navigate('/', true);
  };
  return (
    <>
      <section class="card">
        <h2>General</h2>
        <p>
          Slug: <code>{answer.organization.slug}</code> · your role: <span class="badge">{answer.organization.role}</span> · services:{' '}
          {answer.usage.current_services} of {answer.usage.max_services}
        </p>
        <form onSubmit={submit} noValidate>
          <Field id="org-settings-name" field="name" label="Name" value={name} onValue={setName} error={error} required />
          <FormError error={error} fields={['name']} />
          <Submit busy={busy}>Save</Submit>
          <span role="status" class="saved">
            {saved ? 'Saved.' : ''}
          </span>
        </form>
      </section>
      {answer.organization.role === 'member' ? null : <BrandingForm org={org} current={answer.organization} />}
      {answer.organization.role === 'owner' ? (
        <section class="card danger-zone">
          <h2>Delete the organization</h2>
          <p>Deletes every service, plan, API key, SAML configuration and directory user of this organization.</p>
          <ConfirmButton
            danger
            label="Delete organization"
            title={`Delete ${answer.organization.name}?`}
            message="This cannot be undone. Applications signing users in through it stop working at once."
            confirmLabel="Delete for good"
            onConfirm={remove}
          />
        </section>
      ) : null}
    </>
  );
}
