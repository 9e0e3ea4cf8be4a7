// The signed-in account's security (CONTRACT §15: MFA for admin accounts, TOTP, optional per account):
// set up an authenticator app (the otpauth URI and setup key to copy; no QR code, since nothing in
// Tessera draws one and the console loads nothing from elsewhere), confirm it with a first code, or
// turn it off with the password and a code.
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useSession } from '../app.tsx';
import { CopyValue, Field, FormError, Submit, Title, useSubmit } from '../ui.tsx';

interface Enrollment {
  secret: string;
  otpauth_uri: string;
}

export function SecurityView() {
  const { me } = useSession();
  const [notice, setNotice] = useState('');
  return (
    <>
      <Title>Account security</Title>
      <p>
        Signed in as <strong>{me.account.email}</strong>.
      </p>
      <div role="status" class={notice ? 'notice' : undefined}>
        {notice}
      </div>
      {me.mfa.totp ? <DisableTotp onDone={setNotice} /> : <EnableTotp onDone={setNotice} />}
    </>
  );
}

function EnableTotp({ onDone }: { onDone: (notice: string) => void }) {
  const { reloadMe } = useSession();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [enrollment, setEnrollment] = useState<Enrollment | null>(null);
  const start = useSubmit();
  const confirm = useSubmit();
  const begin = (e: Event) => {
    e.preventDefault();
    void start.run(async () => {
      setEnrollment(await api<Enrollment>('POST', '/api/auth/mfa/totp', { password }));
      setPassword('');
      onDone('');
    });
  };
  const finish = (e: Event) => {
    e.preventDefault();
    void confirm.run(async () => {
      await api('POST', '/api/auth/mfa/totp/confirm', { code });
      onDone('Two-step sign-in is on: from now on, signing in asks for a code from your authenticator app.');
      reloadMe();
    });
  };
  return (
    <section class="card">
      <h2>Two-step sign-in (authenticator app)</h2>
      <p>Off. With it on, signing in needs your password and a 6-digit code from an authenticator app.</p>
      <form onSubmit={begin} noValidate>
        <Field
          id="totp-password"
          field="password"
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={password}
          onValue={setPassword}
          error={start.error}
          required
        />
        <FormError error={start.error} fields={['password']} />
        <Submit busy={start.busy}>{enrollment ? 'Start again with a new key' : 'Set up an authenticator app'}</Submit>
      </form>
      {enrollment ? (
        <div class="notice">
          <h3>Add this account to your app</h3>
          <p>Open the otpauth link on a device with an authenticator app, or type the setup key into the app. Then enter the code it shows.</p>
          <CopyValue id="totp-uri" label="otpauth link" value={enrollment.otpauth_uri} />
          <CopyValue id="totp-secret" label="Setup key" value={enrollment.secret} />
          <form onSubmit={finish} noValidate>
            <Field
              id="totp-code"
              field="code"
              label="Code from the app"
              autoComplete="one-time-code"
              hint="6 digits."
              value={code}
              onValue={setCode}
              error={confirm.error}
              required
            />
            <FormError error={confirm.error} fields={['code']} />
            <Submit busy={confirm.busy}>Turn on two-step sign-in</Submit>
          </form>
        </div>
      ) : null}
    </section>
  );
}

function DisableTotp({ onDone }: { onDone: (notice: string) => void }) {
  const { reloadMe } = useSession();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const { busy, error, run } = useSubmit();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api('DELETE', '/api/auth/mfa/totp', { password, code });
      onDone('Two-step sign-in is off: signing in needs your password only.');
      reloadMe();
    });
  };
  return (
    <section class="card">
      <h2>Two-step sign-in (authenticator app)</h2>
      <p>On: signing in asks for a code from your authenticator app. To turn it off, confirm with your password and a current code.</p>
      <form onSubmit={submit} noValidate>
        <Field
          id="totp-off-password"
          field="password"
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={password}
          onValue={setPassword}
          error={error}
          required
        />
        <Field
          id="totp-off-code"
          field="code"
          label="Code from the app"
          autoComplete="one-time-code"
          hint="6 digits."
          value={code}
          onValue={setCode}
          error={error}
          required
        />
        <FormError error={error} fields={['password', 'code']} />
        <Submit busy={busy}>Turn off two-step sign-in</Submit>
      </form>
    </section>
  );
}
