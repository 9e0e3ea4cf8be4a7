// The signed-in start page: the account's organizations, creating one, accepting an invitation.
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useSession } from '../app.tsx';
import { Link, navigate } from '../router.tsx';
import { Empty, Field, FormError, Submit, Title, useSubmit } from '../ui.tsx';
import { takeInvitation } from '../invitation-link.ts';

export function HomeView() {
  const { me } = useSession();
  return (
    <>
      <Title>Organizations</Title>
      {me.organizations.length === 0 ? (
        <Empty title="You do not belong to any organization yet.">Create one below (you become its owner), or accept an invitation you received.</Empty>
      ) : (
        <ul class="cards">
          {me.organizations.map((o) => (
            <li key={o.slug}>
              <Link to={`/orgs/${o.slug}/services`}>{o.name}</Link> <span class="muted">({o.slug})</span> <span class="badge">{o.role}</span>
            </li>
          ))}
        </ul>
      )}
      <div class="grid2">
        <CreateOrg />
        <AcceptInvitation />
      </div>
    </>
  );
}

function CreateOrg() {
  const { reloadMe } = useSession();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const { busy, error, run } = useSubmit();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api('POST', '/api/organizations', { slug, name });
      reloadMe();
      navigate(`/orgs/${slug}/services`);
    });
  };
  return (
    <section class="card">
      <h2>Create an organization</h2>
      <form onSubmit={submit} noValidate>
        <Field id="org-name" field="name" label="Name" value={name} onValue={setName} error={error} required />
        <Field
          id="org-slug"
          field="slug"
          label="Slug"
          hint="3–50 lower-case letters, digits and dashes; it appears in SAML URLs and cannot be changed."
          value={slug}
          onValue={setSlug}
          error={error}
          required
        />
        <FormError error={error} fields={['name', 'slug']} />
        <Submit busy={busy}>Create organization</Submit>
      </form>
    </section>
  );
}

function AcceptInvitation() {
  const { reloadMe } = useSession();
  // Filled in from an emailed link (invitation-link.ts); joining still takes the click.
  const [fromLink] = useState(takeInvitation);
  const [token, setToken] = useState(fromLink);
  const { busy, error, run } = useSubmit();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const res = await api<{ organization: { slug: string } }>('POST', '/api/invitations/accept', { token: token.trim() });
      reloadMe();
      navigate(`/orgs/${res.organization.slug}/services`);
    });
  };
  return (
    <section class="card">
      <h2>Accept an invitation</h2>
      <form onSubmit={submit} noValidate>
        <Field
          id="invite-token"
          field="token"
          label="Invitation token"
          hint={fromLink ? 'Filled in from your invitation link: join to accept it.' : 'The token the inviting admin gave you.'}
          value={token}
          onValue={setToken}
          error={error}
          required
        />
        <FormError error={error} fields={['token']} />
        <Submit busy={busy}>Join organization</Submit>
      </form>
    </section>
  );
}
