// Sign in and register (admin accounts, CONTRACT §1), in cookie mode: the refresh token never reaches script.
import { useState } from 'preact/hooks';
import { register, signIn } from '../api.ts';
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
  const { busy, error, run } = useSubmit();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await signIn(email, password);
      if (location.pathname.endsWith('/signin')) navigate('/', true);
    });
  };
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
