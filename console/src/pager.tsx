// Offset pagination for the lists whose API answers `total` beside one page (limit/offset, docs/api.md).

export function Pager({
  offset,
  limit,
  shown,
  total,
  label,
  onOffset,
}: {
  offset: number;
  limit: number;
  shown: number;
  total: number;
  label: string;
  onOffset: (n: number) => void;
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
        Newer
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
        Older
      </button>
    </nav>
  );
}
