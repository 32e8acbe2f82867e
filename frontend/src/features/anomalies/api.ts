import {
  keepPreviousData,
  queryOptions,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { api, unwrap, type ApiPaths, type Schemas } from "@/api/client";

export type Anomaly = Schemas["AnomalyOut"];
export type AnomalyBand = Schemas["AnomalyBandOut"];
export type AnomaliesQuery = NonNullable<
  ApiPaths["/api/v1/anomalies"]["get"]["parameters"]["query"]
>;

export type AnomalyStatus = Schemas["AnomalyStatus"];

// a Record over the API's enum: the compiler refuses a missing or an unknown status
const IN_REVIEW_ORDER: Record<AnomalyStatus, true> = {
  open: true,
  acknowledged: true,
  resolved: true,
  not_an_anomaly: true,
  planned_activity: true,
};

/** Every anomaly status, in review order. */
export const ANOMALY_STATUSES = Object.keys(IN_REVIEW_ORDER) as AnomalyStatus[];

export function anomaliesOptions(query: AnomaliesQuery) {
  return queryOptions({
    queryKey: ["anomalies", query],
    placeholderData: keepPreviousData,
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/anomalies", { params: { query }, signal })),
  });
}

export function useAnomalies(query: AnomaliesQuery) {
  return useQuery(anomaliesOptions(query));
}

export function useAnomaly(id: number) {
  return useQuery({
    queryKey: ["anomaly", id],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/anomalies/{anomaly_id}", {
          params: { path: { anomaly_id: id } },
          signal,
        }),
      ),
  });
}

/** The scope's daily cost around the anomaly with the detector's expected value and band. */
export function useAnomalyBand(id: number) {
  return useQuery({
    queryKey: ["anomaly-band", id],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/anomalies/{anomaly_id}/band", {
          params: { path: { anomaly_id: id } },
          signal,
        }),
      ),
  });
}

export function useAnomalyFeedback(id: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["AnomalyFeedbackBody"]) =>
      unwrap(
        await api.POST("/api/v1/anomalies/{anomaly_id}/feedback", {
          params: { path: { anomaly_id: id } },
          body,
        }),
      ),
    onSuccess: (anomaly) => {
      client.setQueryData(["anomaly", id], anomaly);
      void client.invalidateQueries({ queryKey: ["anomalies"] });
      // Feedback changes what the detector learns from (accepted days leave the baseline).
      void client.invalidateQueries({ queryKey: ["anomaly-band", id] });
      void client.invalidateQueries({ queryKey: ["audit"] });
    },
  });
}

/**
 * The cost filter that reproduces an anomaly's scope in GET /costs (null: not expressible).
 * The detector measures usage charges only: add `charge_category: "Usage"` for its figures.
 */
export function scopeFilter(
  anomaly: Pick<Anomaly, "scope_type" | "scope_key" | "currency">,
): Record<string, string> | null {
  const base = { currency: anomaly.currency };
  switch (anomaly.scope_type) {
    case "total":
      return base;
    case "account":
      return { ...base, account: anomaly.scope_key };
    case "service":
      return { ...base, service: anomaly.scope_key };
    case "account_service": {
      const [account, ...service] = anomaly.scope_key.split("|");
      return account && service.length ? { ...base, account, service: service.join("|") } : null;
    }
    default:
      if (anomaly.scope_type.startsWith("tag:")) {
        return { ...base, [anomaly.scope_type]: anomaly.scope_key };
      }
      return null;
  }
}

export function scopeLabel(anomaly: Pick<Anomaly, "scope_type" | "scope_key">): string {
  switch (anomaly.scope_type) {
    case "total":
      return "All spend";
    case "account":
      return `Account ${anomaly.scope_key}`;
    case "service":
      return anomaly.scope_key;
    case "account_service":
      return anomaly.scope_key.replace("|", " · ");
    default:
      return `${anomaly.scope_type} = ${anomaly.scope_key}`;
  }
}
