import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, unwrap, type ApiPaths, type Schemas } from "@/api/client";

export type Resource = Schemas["ResourceOut"];
export type UsageRow = Schemas["UsageMetricOut"];
export type ResourcesQuery = NonNullable<
  ApiPaths["/api/v1/resources"]["get"]["parameters"]["query"]
>;
export type UsageQuery = NonNullable<ApiPaths["/api/v1/usage"]["get"]["parameters"]["query"]>;

export function useAccounts() {
  return useQuery({
    queryKey: ["accounts"],
    staleTime: 10 * 60_000,
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/accounts", { params: { query: { limit: 1000 } }, signal })),
  });
}

export type Account = Schemas["AccountOut"];

/** Accounts as filter choices: "name (id)" when the account has a name. */
export function accountChoices(accounts: readonly Pick<Account, "account_id" | "name">[]) {
  return accounts.map((a) => ({
    value: a.account_id,
    label: a.name ? `${a.name} (${a.account_id})` : a.account_id,
  }));
}

export function useResources(query: ResourcesQuery) {
  return useQuery({
    queryKey: ["resources", query],
    placeholderData: keepPreviousData,
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/resources", { params: { query }, signal })),
  });
}

/** Every usage row of one resource in [start, end) (follows the pages; a resource has few). */
export function useResourceUsage(resource: string | null, start: string, end: string) {
  return useQuery({
    queryKey: ["usage", resource, start, end],
    enabled: resource != null,
    queryFn: async ({ signal }) => {
      const rows: UsageRow[] = [];
      let offset: number | null = 0;
      while (offset != null && rows.length < 20_000) {
        const page: Schemas["UsagePage"] = unwrap(
          await api.GET("/api/v1/usage", {
            params: { query: { start, end, resource: resource ?? "", limit: 1000, offset } },
            signal,
          }),
        );
        rows.push(...page.items);
        offset = page.next_offset;
      }
      return rows;
    },
  });
}

/** Usage rows grouped by metric, each sorted by day. */
export function byMetric(rows: UsageRow[]): Map<string, UsageRow[]> {
  const map = new Map<string, UsageRow[]>();
  for (const row of rows) {
    const list = map.get(row.metric_name) ?? [];
    list.push(row);
    map.set(row.metric_name, list);
  }
  for (const list of map.values()) list.sort((a, b) => a.day.localeCompare(b.day));
  return new Map([...map.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
