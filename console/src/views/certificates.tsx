// Signing-certificate rotation (CONTRACT §6): stage a pending certificate (published, not signing),
// activate it, or roll back to an earlier one; each switch asks first.
import { api, enc } from '../api.ts';
import type { Certificate } from '../types.ts';
import { ConfirmButton, LoadState, formatDate, useLoad, useSubmit } from '../ui.tsx';

export function Certificates({ base }: { base: string }) {
  const list = useLoad(() => api<{ certificates: Certificate[] }>('GET', `${base}/saml/certificates`), `${base}/certs`);
  const { busy, error, run } = useSubmit();
  const stage = () =>
    run(async () => {
      await api('POST', `${base}/saml/certificate`, { activate: false });
      list.reload();
    });
  const activate = async (id: string) => {
    await api('POST', `${base}/saml/certificates/${enc(id)}/activate`, {});
    list.reload();
  };
  const certs = list.data?.certificates ?? [];
  const hasPending = certs.some((c) => c.status === 'pending');
  return (
    <section class="card">
      <h2>Signing certificates</h2>
      <p class="muted">
        Stage a new certificate first: it is published in the metadata next to the active one, so your SP can trust it before it signs anything. Then activate
        it.
      </p>
      <LoadState loaded={list} />
      <table>
        <caption>Certificates, newest last</caption>
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Valid</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {certs.map((c) => (
            <tr key={c.id} data-status={c.status}>
              <td data-label="Status">
                <span class={`badge ${c.status}`}>{c.status}</span>
              </td>
              <td data-label="Valid">
                {formatDate(c.valid_from)} – {formatDate(c.valid_until)}
              </td>
              <td data-label="Actions">
                {c.status === 'active' ? null : (
                  <ConfirmButton
                    label={c.status === 'pending' ? 'Activate staged certificate' : `Roll back to certificate from ${formatDate(c.valid_from)}`}
                    title={c.status === 'pending' ? 'Activate the staged certificate?' : 'Roll back to this certificate?'}
                    message="Assertions are signed with it from now on, and the current certificate is deactivated. SPs that do not trust it yet will refuse sign-ins."
                    confirmLabel={c.status === 'pending' ? 'Activate' : 'Roll back'}
                    onConfirm={() => activate(c.id)}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {error ? (
        <p class="alert" role="alert">
          {error.message}
        </p>
      ) : null}
      {hasPending ? null : (
        <button type="button" disabled={busy} aria-busy={busy} onClick={() => void stage()}>
          {busy ? 'Generating…' : 'Stage a new certificate'}
        </button>
      )}
    </section>
  );
}
