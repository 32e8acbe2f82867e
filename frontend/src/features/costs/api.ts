import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap, type ApiPaths } from "@/api/client";

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

/** Tag keys seen on resources (the API has no tag-key listing; see docs/frontend.md). */
export function useTagKeys() {
  return useQuery({
    queryKey: ["tag-keys"],
    staleTime: 10 * 60_000,
    queryFn: async ({ signal }) => {
      const page = unwrap(
        await api.GET("/api/v1/resources", { params: { query: { limit: 1000 } }, signal }),
      );
      const keys = new Set<string>();
      page.items.forEach((r) => {
        Object.keys(r.tags).forEach((k) => keys.add(k));
      });
      return [...keys].sort();
    },
  });
}
