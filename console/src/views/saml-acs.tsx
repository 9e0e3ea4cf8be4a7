// The SP's ACS endpoints (CONTRACT §14, `acs_urls`): one row per endpoint with its URL, its index and
// which one is the default. One row at index 0 is sent as `acs_url`, as the API has always taken it;
// anything else as `acs_urls`, which replaces every stored endpoint. The API's `details` for
// `acs_urls.<n>.url` and `acs_urls.<n>.index` show beside row n's fields.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../api.ts';
import type { SamlConfig } from '../types.ts';
import { Field } from '../ui.tsx';

export const MAX_ACS_ROWS = 32;

interface AcsRow {
  /** Stable across removals, so that Preact keeps each row's inputs (and their focus) in place. */
  key: number;
  url: string;
  index: string;
}

export interface AcsRows {
  rows: AcsRow[];
  /** The key of the default row. */
  defaultKey: number;
  nextKey: number;
}

/** What the API returned: every endpoint of acs_urls, else acs_url at index 0, else one empty row. */
export function acsRowsOf(cfg: SamlConfig): AcsRows {
  const stored = cfg.acs_urls.length > 0 ? cfg.acs_urls : [{ url: cfg.acs_url ?? '', index: 0, is_default: true }];
  const rows = stored.map((e, i) => ({ key: i, url: e.url, index: String(e.index) }));
  const byDefault = stored.findIndex((e) => e.is_default);
  return { rows, defaultKey: Math.max(0, byDefault), nextKey: rows.length };
}

/** One endpoint at index 0: the single `acs_url` of the API (its errors name `acs_url`). */
const isSingle = (a: AcsRows): boolean => a.rows.length === 1 && a.rows[0]?.index.trim() === '0';

/** An index that is not a whole number goes as null, so that the API names the field that is wrong. */
function indexOf(text: string): number | null {
  const n = Number(text);
  return text.trim() === '' || !Number.isInteger(n) ? null : n;
}

/** The payload's ACS part; nothing when the one row is empty (the API then says what is missing). */
export function acsPayload(a: AcsRows): { acs_url?: string; acs_urls?: { url: string; binding: 'HTTP-POST'; index: number | null; is_default: boolean }[] } {
  const first = a.rows[0];
  if (isSingle(a) && first) return first.url.trim() ? { acs_url: first.url.trim() } : {};
  return { acs_urls: a.rows.map((r) => ({ url: r.url.trim(), binding: 'HTTP-POST', index: indexOf(r.index), is_default: r.key === a.defaultKey })) };
}

/** An error about the list as a whole (`acs_urls` itself, not one of its entries). */
function listMessage(error: ApiError | undefined): string | undefined {
  return error?.details.find((d) => d.field === 'acs_urls')?.message;
}

export function AcsEditor({ value, onValue, error }: { value: AcsRows; onValue: (a: AcsRows) => void; error: ApiError | undefined }) {
  const single = isSingle(value);
  // After an add, the new row's URL takes the focus; after a removal (its button is gone), the add button.
  const [focus, setFocus] = useState<'added' | 'removed' | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (focus === 'added') document.getElementById(`saml-acs-${value.rows.length - 1}-url`)?.focus();
    if (focus === 'removed') addButton.current?.focus();
    setFocus(null);
  }, [focus, value.rows.length]);
  const update = (key: number, change: Partial<AcsRow>) => {
    onValue({ ...value, rows: value.rows.map((r) => (r.key === key ? { ...r, ...change } : r)) });
  };
  const add = () => {
    const next = Math.max(-1, ...value.rows.map((r) => indexOf(r.index) ?? -1)) + 1;
    onValue({ ...value, rows: [...value.rows, { key: value.nextKey, url: '', index: String(next) }], nextKey: value.nextKey + 1 });
    setFocus('added');
  };
  const remove = (key: number) => {
    const rows = value.rows.filter((r) => r.key !== key);
    const defaultKey = key === value.defaultKey ? (rows[0]?.key ?? 0) : value.defaultKey;
    onValue({ ...value, rows, defaultKey });
    setFocus('removed');
  };
  const listError = listMessage(error);
  return (
    <fieldset aria-describedby={listError ? 'saml-acs-error' : 'saml-acs-hint'}>
      <legend>ACS endpoints</legend>
      <p class="hint" id="saml-acs-hint">
        Where assertions are posted: https (http only for localhost). An SP picks one by URL or index; sign-ins that name none, and the test sign-in, use the
        default.
      </p>
      {value.rows.map((row, n) => (
        <AcsRowFields
          key={row.key}
          n={n}
          row={row}
          urlField={single ? 'acs_url' : `acs_urls.${n}.url`}
          isDefault={row.key === value.defaultKey}
          error={error}
          onChange={(change) => {
            update(row.key, change);
          }}
          onDefault={() => {
            onValue({ ...value, defaultKey: row.key });
          }}
          onRemove={
            value.rows.length > 1
              ? () => {
                  remove(row.key);
                }
              : undefined
          }
        />
      ))}
      {listError ? (
        <p class="field-error" id="saml-acs-error">
          {listError}
        </p>
      ) : null}
      {value.rows.length < MAX_ACS_ROWS ? (
        <button type="button" ref={addButton} onClick={add}>
          Add an ACS endpoint
        </button>
      ) : null}
    </fieldset>
  );
}

interface RowProps {
  n: number;
  row: AcsRow;
  /** The API field whose `details` show beside the URL. */
  urlField: string;
  isDefault: boolean;
  error: ApiError | undefined;
  onChange: (change: Partial<AcsRow>) => void;
  onDefault: () => void;
  /** Absent for the last row left: there is always one. */
  onRemove: (() => void) | undefined;
}

function AcsRowFields({ n, row, urlField, isDefault, error, onChange, onDefault, onRemove }: RowProps) {
  return (
    <fieldset class="acs-row" data-acs-row={n}>
      <legend>Endpoint {n + 1}</legend>
      <Field
        id={`saml-acs-${n}-url`}
        field={urlField}
        label="URL"
        value={row.url}
        onValue={(url) => {
          onChange({ url });
        }}
        error={error}
      />
      <Field
        id={`saml-acs-${n}-index`}
        field={`acs_urls.${n}.index`}
        label="Index (0–32767)"
        type="number"
        value={row.index}
        onValue={(index) => {
          onChange({ index });
        }}
        error={error}
      />
      <div class="actions">
        <div class="check">
          <input type="radio" name="saml-acs-default" id={`saml-acs-${n}-default`} checked={isDefault} onChange={onDefault} />
          <label for={`saml-acs-${n}-default`}>Default endpoint</label>
        </div>
        {onRemove ? (
          <button type="button" aria-label={`Remove endpoint ${n + 1}`} onClick={onRemove}>
            Remove
          </button>
        ) : null}
      </div>
    </fieldset>
  );
}
