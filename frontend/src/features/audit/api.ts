import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, unwrap, type ApiPaths } from "@/api/client";

export type AuditQuery = NonNullable<ApiPaths["/api/v1/audit"]["get"]["parameters"]["query"]>;

export function useAudit(query: AuditQuery) {
  return useQuery({
    queryKey: ["audit", query],
    placeholderData: keepPreviousData,
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/audit", { params: { query }, signal })),
  });
}
