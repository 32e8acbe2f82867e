/**
 * The questions asked, from the log (`GET /api/v1/ask/history`, viewer role): the caller's own,
 * everyone's for an admin, newest first, a page at a time ("Load more" follows `next_offset`).
 * Each new question refreshes it (see `askOptions`).
 */
import { useInfiniteQuery, type QueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/api/client";

export type AskHistoryPage = Schemas["AskHistoryPage"];
export type AskHistoryEntry = Schemas["AskedOut"];

/** Questions per page. */
export const HISTORY_PAGE = 10;

/** Not under `["ask", ...]`: invalidating the history must leave the answers cached. */
export const ASK_HISTORY_KEY = ["ask-history"] as const;

export function useAskHistory() {
  return useInfiniteQuery({
    queryKey: ASK_HISTORY_KEY,
    initialPageParam: 0,
    getNextPageParam: (last: AskHistoryPage) => last.next_offset ?? undefined,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET("/api/v1/ask/history", {
          params: { query: { limit: HISTORY_PAGE, offset: pageParam } },
          signal,
        }),
      ),
  });
}

/** A question was asked (answered or not, it is in the log): read the history again. */
export function refreshAskHistory(client: QueryClient): void {
  void client.invalidateQueries({ queryKey: ASK_HISTORY_KEY });
}
