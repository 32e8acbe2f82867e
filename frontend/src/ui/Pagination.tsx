import { formatCount } from "@/format/format";
import { Button } from "./Button";

export function Pagination({
  offset,
  limit,
  total,
  shown,
  onOffset,
}: {
  offset: number;
  limit: number;
  total: number | null;
  shown: number;
  onOffset: (offset: number) => void;
}) {
  const hasNext = total == null ? shown === limit : offset + limit < total;
  return (
    <nav aria-label="Pagination" className="mt-3 flex items-center justify-between gap-2 text-sm">
      <p className="text-slate-600">
        {shown === 0
          ? "No rows"
          : `${formatCount(offset + 1)}–${formatCount(offset + shown)}${total != null ? ` of ${formatCount(total)}` : ""}`}
      </p>
      <div className="flex gap-2">
        <Button
          size="sm"
          disabled={offset === 0}
          onClick={() => {
            onOffset(Math.max(0, offset - limit));
          }}
        >
          Previous
        </Button>
        <Button
          size="sm"
          disabled={!hasNext}
          onClick={() => {
            onOffset(offset + limit);
          }}
        >
          Next
        </Button>
      </div>
    </nav>
  );
}
