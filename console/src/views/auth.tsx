// Sign in and register (admin accounts, CONTRACT §1), in cookie mode: the refresh token never reaches script.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, register, signIn, signInWithCode } from '../api.ts';
import { Link, navigate, usePath } from '../router.tsx';
import { Field, FormError, Submit, Title, useSubmit } from '../ui.tsx';

export function AuthView() {
  const path = usePath();
  const registering = path === '/register';
  return (
    <main id="main" class="centered">
      {registering ? <RegisterForm /> : <SignInForm />}
    </main>
  );
}

function SignInForm() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  // Set when the password passed and the account asks for its TOTP code (POST /api/auth/login/totp).
  const [mfaToken, setMfaToken] = useState<string | null>(null);
  const { busy, error, run } = useSubmit();
  const done = () => {
    if (location.pathname.endsWith('/signin')) navigate('/', true);
  };
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const pending = await signIn(email, password);
      if (pending) setMfaToken(pending.mfaToken);
      else done();
    });
  };
  if (mfaToken)
    return (
      <CodeForm
        mfaToken={mfaToken}
        onDone={done}
        onRestart={() => {
          setMfaToken(null);
          setPassword('');
        }}
      />
    );
  return (
    <section class="card narrow">
      <Title>Sign in to Tessera</Title>
      <form onSubmit={submit} noValidate>
        <Field id="email" label="Email" type="email" autoComplete="username" value={email} onValue={setEmail} error={error} required />
        <Field id="password" label="Password" type="password" autoComplete="current-password" value={password} onValue={setPassword} error={error} required />
        <FormError error={error} fields={['email', 'password']} />
        <Submit busy={busy}>Sign in</Submit>
      </form>
      <p>
        No account yet? <Link to="/register">Create an admin account</Link>
      </p>
    </section>
  );
}

/** The second step: the code of the authenticator app. A refused code shows beside the field. */
function CodeForm({ mfaToken, onDone, onRestart }: { mfaToken: string; onDone: () => void; onRestart: () => void }) {
  const [code, setCode] = useState('');
  const { busy, error, run } = useSubmit();
  useEffect(() => {
    // The password form is gone: keyboard and screen-reader users continue in the code field.
    document.getElementById('code')?.focus();
  }, []);
  // The API answers a wrong code with 401 and no `details`: it belongs to the code field all the same.
  const shown =
    error && error.details.length === 0 && error.status === 401
      ? new ApiError(401, error.code, error.message, [{ field: 'code', message: error.message }])
      : error;
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await signInWithCode(mfaToken, code);
      onDone();
    });
  };
  return (
    <section class="card narrow">
      <Title>Enter your authentication code</Title>
      <p>Open the authenticator app you set up for this account and enter the 6-digit code it shows.</p>
      <form onSubmit={submit} noValidate>
        <Field id="code" label="Authentication code" autoComplete="one-time-code" hint="6 digits." value={code} onValue={setCode} error={shown} required />
        <FormError error={shown} fields={['code']} />
        <Submit busy={busy}>Verify</Submit>
      </form>
      <p>
        <button type="button" onClick={onRestart}>
          Start over with your password
        </button>
      </p>
    </section>
  );
}

function RegisterForm() {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useSubmit();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await register(email, password, name.trim());
      navigate('/', true);
    });
  };
  return (
    <section class="card narrow">
      <Title>Create an admin account</Title>
      <form onSubmit={submit} noValidate>
        <Field id="name" label="Your name (optional)" autoComplete="name" value={name} onValue={setName} error={error} />
        <Field id="email" label="Email" type="email" autoComplete="username" value={email} onValue={setEmail} error={error} required />
        <Field
          id="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          hint="10 to 256 characters."
          value={password}
          onValue={setPassword}
          error={error}
          required
        />
        <FormError error={error} fields={['email', 'password', 'name']} />
        <Submit busy={busy}>Create account</Submit>
      </form>
      <p>
        Already have an account? <Link to="/signin">Sign in</Link>
      </p>
    </section>
  );
}
