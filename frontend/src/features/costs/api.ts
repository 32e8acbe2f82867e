import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap, type ApiPaths, type Schemas } from "@/api/client";

export type CostsQuery = NonNullable<ApiPaths["/api/v1/costs"]["get"]["parameters"]["query"]>;
export type SummaryQuery = NonNullable<
  ApiPaths["/api/v1/costs/summary"]["get"]["parameters"]["query"]
>;

export function costsOptions(query: CostsQuery) {
  return queryOptions({
    queryKey: ["costs", query],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/costs", { params: { query }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function useCosts(query: CostsQuery, options: { enabled?: boolean } = {}) {
  return useQuery({ ...costsOptions(query), enabled: options.enabled ?? true });
}

export function costSummaryOptions(query: SummaryQuery = {}) {
  return queryOptions({
    queryKey: ["costs-summary", query],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/costs/summary", { params: { query }, signal })),
  });
}

export function useCostSummary(query: SummaryQuery = {}) {
  return useQuery(costSummaryOptions(query));
}

export type TagKey = Schemas["TagKeyOut"];

/** Tag keys on resources, most common first, with example values (`GET /tags`). */
export function useTagKeys() {
  return useQuery({
    queryKey: ["tags"],
    staleTime: 10 * 60_000,
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/v1/tags", { signal })).items,
  });
}
