import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { formatCount } from "@/format/format";
import { Button } from "./Button";
import { QueryState } from "./QueryState";

/** A page of a list route as the API answers it (`total` when the route counts). */
export interface PageLike {
  items: readonly unknown[];
  limit: number;
  offset: number;
  total?: number | null;
}

/** "1–50 of 230" with Previous / Next, from the page the API returned. */
export function Pagination({
  page,
  onOffset,
}: {
  page: PageLike;
  onOffset: (offset: number) => void;
}) {
  const { offset, limit } = page;
  const shown = page.items.length;
  const total = page.total ?? null;
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

/** A list route's query: its states, `children(page)` (the table), then the pagination. */
export function PagedQueryState<T extends PageLike>({
  query,
  empty,
  loadingRows = 8,
  onOffset,
  children,
}: {
  query: UseQueryResult<T>;
  empty: ReactNode;
  loadingRows?: number;
  onOffset: (offset: number) => void;
  children: (page: T) => ReactNode;
}) {
  return (
    <QueryState
      query={query}
      loadingRows={loadingRows}
      isEmpty={(page) => page.items.length === 0 && page.offset === 0}
      empty={empty}
    >
      {(page) => (
        <>
          {children(page)}
          <Pagination page={page} onOffset={onOffset} />
        </>
      )}
    </QueryState>
  );
}
