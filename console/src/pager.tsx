// Offset pagination for the lists whose API answers `total` beside one page (limit/offset, docs/api.md).

export function Pager({
  offset,
  limit,
  shown,
  total,
  label,
  onOffset,
  back = 'Newer',
  forward = 'Older',
}: {
  offset: number;
  limit: number;
  shown: number;
  total: number;
  label: string;
  onOffset: (n: number) => void;
  /** The buttons' words: Newer/Older for the lists that are newest first, Previous/Next for the others. */
  back?: string;
  forward?: string;
}) {
  if (total <= limit && offset === 0) return null;
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button
        type="button"
        disabled={offset === 0}
        onClick={() => {
          onOffset(Math.max(0, offset - limit));
        }}
      >
        {back}
      </button>
      <span class="muted">
        {shown === 0 ? 0 : offset + 1}–{offset + shown} of {total}
      </span>
      <button
        type="button"
        disabled={offset + shown >= total}
        onClick={() => {
          onOffset(offset + limit);
        }}
      >
        {forward}
      </button>
    </nav>
  );
}
