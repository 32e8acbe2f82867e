import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/api/client";

export type Insight = Schemas["InsightOut"];

export interface MoverEntry {
  key: string;
  current: string;
  previous: string;
  change: string;
  change_percent: string | null;
}

export interface TopMoversData {
  window_days: number;
  dimension: string;
  currency: string;
  current_window: [string, string];
  previous_window: [string, string];
  rising: MoverEntry[];
  falling: MoverEntry[];
}

export function insightsOptions(query: { day?: string; kind?: Schemas["InsightKind"] } = {}) {
  return queryOptions({
    queryKey: ["insights", query],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/insights", { params: { query }, signal })),
  });
}

export function useInsights(query: { day?: string; kind?: Schemas["InsightKind"] } = {}) {
  return useQuery(insightsOptions(query));
}

export function isTopMovers(insight: Insight): insight is Insight & { data: TopMoversData } {
  const data = insight.data as Partial<TopMoversData>;
  return insight.kind === "top_movers" && Array.isArray(data.rising) && Array.isArray(data.falling);
}
