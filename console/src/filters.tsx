// Filters and offset pagination of a list (docs/api.md: limit/offset, total): the values typed into the
// form take effect on Apply (not on each key) and send the list back to its first page; a value the API
// refuses shows beside the field its `details` name.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { FormError, type Loaded } from './ui.tsx';

function query(filters: Record<string, string>, limit: number, offset: number): string {
  const q = new URLSearchParams({ limit: String(limit), offset: String(offset) });
  for (const [k, v] of Object.entries(filters)) if (v.trim()) q.set(k, v.trim());
  return q.toString();
}

/** Filters typed into `draft` take effect (and the list goes back to its first page) on Apply. */
export function useFilters<F extends Record<string, string>>(limit: number, initial: F) {
  const [draft, setDraft] = useState(initial);
  const [applied, setApplied] = useState(initial);
  const [offset, setOffset] = useState(0);
  const set = (key: keyof F) => (v: string) => {
    setDraft((d) => ({ ...d, [key]: v }));
  };
  const apply = (e: Event) => {
    e.preventDefault();
    setApplied(draft);
    setOffset(0);
  };
  const clear = () => {
    setDraft(initial);
    setApplied(initial);
    setOffset(0);
  };
  return { draft, set, apply, clear, q: query(applied, limit, offset), offset, setOffset };
}

export function FilterForm({
  label,
  fields,
  loaded,
  apply,
  clear,
  children,
}: {
  label: string;
  fields: string[];
  loaded: Loaded<unknown>;
  apply: (e: Event) => void;
  clear: () => void;
  children: ComponentChildren;
}) {
  return (
    <form class="card filters" role="search" aria-label={label} onSubmit={apply} noValidate>
      <div class="filter-fields">{children}</div>
      <FormError error={loaded.error?.details.length ? loaded.error : undefined} fields={fields} />
      <div class="actions">
        <button type="submit" class="primary">
          Apply filters
        </button>
        <button type="button" onClick={clear}>
          Clear
        </button>
      </div>
    </form>
  );
}
