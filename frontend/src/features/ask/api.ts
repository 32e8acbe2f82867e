/**
 * The assistant: `POST /api/v1/ask` (viewer role). A question is a read, so it is a query
 * keyed by the question and `as_of`: asking the same again (the history, Back) shows the answer
 * already in hand (kept for the session); "Ask" on the same question asks the API again.
 */
import { queryOptions, useQuery, type QueryClient } from "@tanstack/react-query";
import { getApiKey } from "@/api/apiKey";
import { api, unwrap, type Schemas } from "@/api/client";
import { refreshAskHistory } from "./history";
import type { AskRequest } from "./path";

export type { AskRequest } from "./path";

export type AskResponse = Schemas["AskResponse"];
export type AskRow = Schemas["AskRowOut"];
export type AskSource = Schemas["AskSourceOut"];

export function askOptions({ question, asOf }: AskRequest) {
  return queryOptions({
    queryKey: ["ask", question, asOf],
    // An answer is for its `as_of`; it stays as it was for the session (history, Back).
    staleTime: Infinity,
    gcTime: 60 * 60_000,
    // Every POST is logged (ai_query_log, audit): never ask twice on the dashboard's own.
    retry: false,
    queryFn: async ({ client, signal }) => {
      try {
        return unwrap(
          await api.POST("/api/v1/ask", {
            body: { question, as_of: asOf },
            signal,
          }),
        );
      } finally {
        // Logged (or refused) on the API's side: the history has a new question at the top.
        refreshAskHistory(client);
      }
    },
  });
}

export function useAsk(request: AskRequest | null) {
  return useQuery({
    ...askOptions(request ?? { question: "", asOf: null }),
    enabled: request != null,
  });
}

/** Starts asking from the route loader (alongside the page chunk), when the URL holds a question. */
export function prefetchAsk(client: QueryClient, request: AskRequest | null): void {
  if (!request || !getApiKey()) return;
  void client.query(askOptions(request)).catch(() => undefined);
}
