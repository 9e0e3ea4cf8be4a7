// The shell: restores the session from the refresh cookie, then shows sign-in or the signed-in app
// with its organization switcher and navigation.
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { api, onSessionChange, refreshSession, signOut } from './api.ts';
import { Link, navigate, usePath } from './router.tsx';
import type { Me } from './types.ts';
import { Loading, useLoad } from './ui.tsx';
import { AuthView } from './views/auth.tsx';
import { HomeView } from './views/home.tsx';
import { OrgView } from './views/org.tsx';
import { SecurityView } from './views/security.tsx';

interface Session {
  me: Me;
  reloadMe: () => void;
}
const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside the signed-in app');
  return s;
}

export function App() {
  const [signedIn, setSignedIn] = useState<boolean | undefined>(undefined);
  useEffect(() => {
    const off = onSessionChange(setSignedIn);
    void refreshSession().then(setSignedIn);
    return off;
  }, []);
  if (signedIn === undefined)
    return (
      <main id="main" class="centered">
        <Loading label="Restoring your session…" />
      </main>
    );
  return signedIn ? <SignedIn /> : <AuthView />;
}

function SignedIn() {
  const me = useLoad(() => api<Me>('GET', '/api/auth/me'), 'me');
  if (!me.data)
    return (
      <main id="main" class="centered">
        {me.error ? <p role="alert">{me.error.message}</p> : <Loading />}
      </main>
    );
  return (
    <SessionContext.Provider value={{ me: me.data, reloadMe: me.reload }}>
      <Shell me={me.data} />
    </SessionContext.Provider>
  );
}

function orgOf(path: string): string | undefined {
  return /^\/orgs\/([^/]+)/.exec(path)?.[1];
}

function Shell({ me }: { me: Me }) {
  const path = usePath();
  const org = orgOf(path);
  const main = useRef<HTMLElement>(null);
  useEffect(() => {
    // After a navigation, keyboard and screen-reader users start at the new page's heading.
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [path]);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link to="/" class="brand">
          Tessera console
        </Link>
        <OrgSwitcher me={me} current={org} />
        <span class="who">{me.account.email}</span>
        <Link to="/security" aria-current={path === '/security' ? 'page' : undefined}>
          Security
        </Link>
        <button
          type="button"
          onClick={() =>
            void signOut().then(() => {
              navigate('/', true);
            })
          }
        >
          Sign out
        </button>
      </header>
      {org ? <OrgNav org={org} path={path} /> : null}
      <main id="main" ref={main}>
        {org ? <OrgView org={org} path={path} /> : path === '/security' ? <SecurityView /> : <HomeView />}
      </main>
    </>
  );
}

function OrgSwitcher({ me, current }: { me: Me; current: string | undefined }) {
  if (me.organizations.length === 0) return null;
  return (
    <span class="switcher">
      <label for="org-switch">Organization</label>
      <select
        id="org-switch"
        value={current ?? ''}
        onChange={(e) => {
          const slug = e.currentTarget.value;
          navigate(slug ? `/orgs/${slug}/services` : '/');
        }}
      >
        <option value="">All organizations</option>
        {me.organizations.map((o) => (
          <option key={o.slug} value={o.slug}>
            {o.name}
          </option>
        ))}
      </select>
    </span>
  );
}

const SECTIONS = [
  ['services', 'Services'],
  ['users', 'Directory users'],
  ['members', 'Members'],
  ['sign-ins', 'Sign-ins'],
  ['audit', 'Audit log'],
  ['webhooks', 'Webhooks'],
  ['settings', 'Settings'],
] as const;

function OrgNav({ org, path }: { org: string; path: string }) {
  return (
    <nav class="sections" aria-label="Organization">
      {SECTIONS.map(([slug, label]) => {
        const to = `/orgs/${org}/${slug}`;
        const current = path === to || path.startsWith(`${to}/`);
        return (
          <Link key={slug} to={to} aria-current={current ? 'page' : undefined}>
            {label}
          </Link>
        );
      })}
    </nav>
  );
}
