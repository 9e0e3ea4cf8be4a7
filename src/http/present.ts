// Shared presenter helpers: field formats live here so every capability prints them alike.
export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** JSON-array columns (stored as text for SQLite/PostgreSQL parity). */
export function parseStringArray(text: string | null | undefined): string[] {
  if (!text) return [];
  const v: unknown = JSON.parse(text);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
