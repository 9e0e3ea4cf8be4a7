// The console's building blocks: labelled fields with their API error beside them, busy buttons,
// delayed loading notices, confirmations, copy buttons and empty states.
import type { ComponentChildren } from 'preact';
import { DEFAULT_LOCALE, LOCALES, LOCALE_NAMES, type Locale } from '../../src/i18n/locales.ts';
import { useCallback, useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';

/** "1 user", "2 users": a count with its noun in the right number. */
export const counted = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** True once `active` has lasted `ms`: quick answers show no flicker, slow ones a notice. */
export function useDelayed(active: boolean, ms = 300): boolean {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (!active) {
      setShown(false);
      return;
    }
    const t = setTimeout(() => {
      setShown(true);
    }, ms);
    return () => {
      clearTimeout(t);
    };
  }, [active, ms]);
  return shown;
}

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

export function toApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, 'CLIENT', err instanceof Error ? err.message : 'Something went wrong');
}

/** Loads `fetcher()` when `key` changes; `reload()` loads it again. */
export function useLoad<T>(fetcher: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  const latest = useRef(fetcher);
  latest.current = fetcher;
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    latest.current().then(
      (data) => {
        if (live) setState({ data, loading: false });
      },
      (err: unknown) => {
        if (live) setState({ error: toApiError(err), loading: false });
      },
    );
    return () => {
      live = false;
    };
  }, [key, round]);
  const reload = useCallback(() => {
    setRound((r) => r + 1);
  }, []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/**
 * A form's submission: busy while it runs, the API's error (with per-field details) after. A second run
 * while one is under way (a double click, before the button is disabled) is ignored.
 */
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const running = useRef(false);
  const run = useCallback(async (action: () => Promise<void>) => {
    if (running.current) return;
    running.current = true;
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);
  return { busy, error, run, setError };
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  const shown = useDelayed(true);
  return (
    <p class="loading" role="status">
      {shown ? label : ''}
    </p>
  );
}

/** A load's notice: a delayed "Loading…", or its error with a retry. */
export function LoadState<T>({ loaded, label }: { loaded: Loaded<T>; label?: string }) {
  if (loaded.error)
    return (
      <div class="alert" role="alert">
        <p>{loaded.error.message}</p>
        <button type="button" onClick={loaded.reload}>
          Try again
        </button>
      </div>
    );
  return loaded.loading ? <Loading {...(label ? { label } : {})} /> : null;
}

/** The form-level error: the API's message, unless every problem is shown beside its field. */
export function FormError({ error, fields }: { error: ApiError | undefined; fields: string[] }) {
  if (!error) return null;
  const unplaced = error.details.filter((d) => !fields.some((f) => d.field === f || d.field.startsWith(`${f}.`)));
  if (error.details.length > 0 && unplaced.length === 0) return null;
  return (
    <p class="alert" role="alert">
      {unplaced.length > 0 ? unplaced.map((d) => `${d.field}: ${d.message}`).join('; ') : error.message}
    </p>
  );
}

interface FieldProps {
  id: string;
  label: string;
  value: string;
  onValue: (v: string) => void;
  error?: ApiError | undefined;
  /** The API field name whose `details` show here (defaults to id). */
  field?: string;
  type?: 'text' | 'email' | 'password' | 'number';
  hint?: string;
  required?: boolean;
  autoComplete?: string;
  multiline?: number;
  placeholder?: string;
}

type InputProps = Record<string, unknown> & { id: string; onInput: (e: Event) => void };

/** One branch per type: Preact's typings tie each input type to the attributes it accepts. */
function inputOf(type: NonNullable<FieldProps['type']>, props: InputProps) {
  switch (type) {
    case 'email':
      return <input {...props} type="email" />;
    case 'password':
      return <input {...props} type="password" />;
    case 'number':
      return <input {...props} type="number" inputMode="decimal" step="any" />;
    default:
      return <input {...props} type="text" />;
  }
}

export function Field(p: FieldProps) {
  const message = p.error?.fieldMessage(p.field ?? p.id);
  const describedBy = [p.hint ? `${p.id}-hint` : '', message ? `${p.id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id: p.id,
    name: p.id,
    value: p.value,
    required: p.required,
    'aria-invalid': message ? true : undefined,
    'aria-describedby': describedBy,
    placeholder: p.placeholder,
    onInput: (e: Event) => {
      p.onValue((e.currentTarget as HTMLInputElement | HTMLTextAreaElement).value);
    },
  };
  return (
    <div class="field">
      <label for={p.id}>{p.label}</label>
      {p.multiline ? <textarea {...common} rows={p.multiline} spellcheck={false} /> : inputOf(p.type ?? 'text', { ...common, autoComplete: p.autoComplete })}
      {p.hint ? (
        <p class="hint" id={`${p.id}-hint`}>
          {p.hint}
        </p>
      ) : null}
      {message ? (
        <p class="field-error" id={`${p.id}-error`}>
          {message}
        </p>
      ) : null}
    </div>
  );
}

export function Submit({ busy, children }: { busy: boolean; children: ComponentChildren }) {
  const slow = useDelayed(busy);
  return (
    <button type="submit" class="primary" disabled={busy} aria-busy={busy}>
      {slow ? 'Working…' : children}
    </button>
  );
}

/** The label of a button whose request runs: "Working…" once it has taken 300 ms. */
export function BusyLabel({ busy, children }: { busy: boolean; children: ComponentChildren }) {
  const slow = useDelayed(busy);
  return <>{slow ? 'Working…' : children}</>;
}

interface ActionProps {
  /** This button's request is running: disabled, and "Working…" after 300 ms. */
  busy: boolean;
  /** Disabled for another reason (another request of the same row running, a disabled webhook). */
  disabled?: boolean;
  onClick: () => void;
  label?: string;
  children: ComponentChildren;
}

/** A button that sends one request: disabled while it runs, and says so when it takes a while. */
export function ActionButton(p: ActionProps) {
  return (
    <button type="button" disabled={p.busy || p.disabled} aria-busy={p.busy} aria-label={p.label} onClick={p.onClick}>
      <BusyLabel busy={p.busy}>{p.children}</BusyLabel>
    </button>
  );
}

/** Several one-request buttons sharing a row: one request at a time; `running` names the button whose it is. */
export function useActions<K extends string>() {
  const [running, setRunning] = useState<K | null>(null);
  const { busy, error, run } = useSubmit();
  const act = (which: K, action: () => Promise<void>) => () =>
    void run(async () => {
      setRunning(which);
      try {
        await action();
      } finally {
        setRunning(null);
      }
    });
  return { running, busy, error, act };
}

/** "Send by email" for a link or token the API can mail (send_email); its 409 (no mail at all) shows under it. */
/**
 * Which of a page's forms saved last, and what to say: one per page, so a form's "saved" line goes
 * when another form of the page saves (the SAML view's forms remount on every reload).
 */
export interface SavedStatus {
  saved: string;
  onSaved: (text: string) => void;
}

export function useSavedStatus(): (form: string) => SavedStatus {
  const [last, setLast] = useState<{ form: string; text: string } | null>(null);
  return (form) => ({
    saved: last?.form === form ? last.text : '',
    onSaved: (text) => {
      setLast({ form, text });
    },
  });
}

/** The polite announcement beside a form's button of what its last save did. */
export function Saved({ status }: { status: SavedStatus }) {
  return (
    <span role="status" class="saved">
      {status.saved}
    </span>
  );
}

/** Whether to email what a form makes (a password link, an invitation), and in which language. */
export interface MailChoice {
  send: boolean;
  setSend: (on: boolean) => void;
  locale: Locale;
  setLocale: (locale: Locale) => void;
  /** The request body's part: `{send_email: true, locale}` when sending, else nothing. */
  body: { send_email?: true; locale?: Locale };
}

export function useMailChoice(): MailChoice {
  const [send, setSend] = useState(false);
  const [locale, setLocale] = useState<Locale>(DEFAULT_LOCALE);
  return { send, setSend, locale, setLocale, body: send ? { send_email: true, locale } : {} };
}

/** The "Send by email" checkbox and, once it is ticked, the email's language (the API's `locale`). */
export function SendByEmail(p: { id: string; label: string; hint?: string; choice: MailChoice; onChecked?: () => void; error: string | undefined }) {
  const describedBy = [p.hint ? `${p.id}-hint` : '', p.error ? `${p.id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <div class="check">
        <input
          type="checkbox"
          id={p.id}
          checked={p.choice.send}
          aria-describedby={describedBy}
          aria-invalid={p.error ? true : undefined}
          onChange={(e) => {
            p.choice.setSend(e.currentTarget.checked);
            p.onChecked?.();
          }}
        />
        <label for={p.id}>{p.label}</label>
      </div>
      {p.hint ? (
        <p class="hint" id={`${p.id}-hint`}>
          {p.hint}
        </p>
      ) : null}
      {p.error ? (
        <p class="field-error" id={`${p.id}-error`} role="alert">
          {p.error}
        </p>
      ) : null}
      {p.choice.send ? (
        <div class="field">
          <label for={`${p.id}-locale`}>Email language</label>
          <select
            id={`${p.id}-locale`}
            value={p.choice.locale}
            onChange={(e) => {
              p.choice.setLocale(e.currentTarget.value as Locale);
            }}
          >
            {LOCALES.map((l) => (
              <option key={l} value={l}>
                {LOCALE_NAMES[l]}
              </option>
            ))}
          </select>
        </div>
      ) : null}
    </div>
  );
}

interface ConfirmProps {
  label: string;
  title: string;
  message: ComponentChildren;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  danger?: boolean;
}

/** A button that asks first, in a modal dialog (focus stays inside; Escape cancels). */
export function ConfirmButton(p: ConfirmProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const { busy, error, run } = useSubmit();
  const confirm = () =>
    run(async () => {
      await p.onConfirm();
      dialog.current?.close();
    });
  return (
    <>
      <button type="button" class={p.danger ? 'danger' : ''} onClick={() => dialog.current?.showModal()}>
        {p.label}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId}>
        <h2 id={titleId}>{p.title}</h2>
        <div>{p.message}</div>
        {error ? (
          <p class="alert" role="alert">
            {error.message}
          </p>
        ) : null}
        <div class="actions">
          <button type="button" onClick={() => dialog.current?.close()} autoFocus>
            Cancel
          </button>
          <button type="button" class={p.danger ? 'danger' : 'primary'} disabled={busy} aria-busy={busy} onClick={() => void confirm()}>
            <BusyLabel busy={busy}>{p.confirmLabel}</BusyLabel>
          </button>
        </div>
      </dialog>
    </>
  );
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState<string>('');
  const copy = () => {
    navigator.clipboard.writeText(text).then(
      () => {
        setCopied('Copied');
      },
      () => {
        setCopied('Copy failed: select the text and copy it');
      },
    );
  };
  return (
    <span class="copy">
      <button type="button" onClick={copy} aria-label={`Copy ${label}`}>
        Copy
      </button>
      <span role="status" class="copied">
        {copied}
      </span>
    </span>
  );
}

/** A value to read and copy (a URL, a certificate, a new key). */
export function CopyValue({ id, label, value, multiline }: { id: string; label: string; value: string; multiline?: boolean }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <div class="copy-row">
        {multiline ? <textarea id={id} readOnly value={value} rows={6} spellcheck={false} /> : <input id={id} readOnly value={value} />}
        <CopyButton text={value} label={label} />
      </div>
    </div>
  );
}

export function Empty({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <div class="empty">
      <p>
        <strong>{title}</strong>
      </p>
      <p>{children}</p>
    </div>
  );
}

export function formatDate(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}

/** A page's heading: focusable, so a navigation can move focus to it. */
export function Title({ children }: { children: ComponentChildren }) {
  return <h1 tabIndex={-1}>{children}</h1>;
}
