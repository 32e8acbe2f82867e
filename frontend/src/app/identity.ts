/**
 * Who the API key is (`GET /api/v1/me`) and what it may do.
 *
 * The dashboard offers an action only to a key whose role allows the route behind it; the
 * minimum role of each route is the one the OpenAPI document states (`x-minimum-role`, checked
 * by a test). The API still decides: a 403 is explained where the action was tried, which is
 * also what happens when `/me` cannot answer (an older server, a network error).
 */
import { queryOptions, useQuery, type QueryClient } from "@tanstack/react-query";
import { getApiKey } from "@/api/apiKey";
import { api, unwrap, type Schemas } from "@/api/client";
import { useApiKey } from "./useApiKey";

export type Identity = Schemas["WhoAmIOut"];
export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** The minimum role of each route the dashboard changes something through. */
export const ROUTE_ROLES = {
  // a question is a read, but a POST (it is logged): any key may ask
  "POST /api/v1/ask": "viewer",
  "POST /api/v1/recommendations/{recommendation_id}/accept": "operator",
  "POST /api/v1/recommendations/{recommendation_id}/dismiss": "operator",
  "POST /api/v1/recommendations/{recommendation_id}/apply": "operator",
  "POST /api/v1/anomalies/{anomaly_id}/feedback": "operator",
  "POST /api/v1/remediation/actions/{action_id}/approve": "operator",
  "POST /api/v1/remediation/actions/{action_id}/reject": "operator",
  "POST /api/v1/remediation/actions/{action_id}/execute": "operator",
  "POST /api/v1/remediation/actions/{action_id}/rollback": "operator",
  "POST /api/v1/remediation/policies/{name}/plan": "operator",
  "POST /api/v1/budgets": "admin",
  "PUT /api/v1/budgets/{budget_id}": "admin",
  "DELETE /api/v1/budgets/{budget_id}": "admin",
} as const satisfies Record<string, Role>;
export type GatedRoute = keyof typeof ROUTE_ROLES;

// The key is part of the cache key: another key is another identity, even before a reload.
export function identityOptions(key: string | null) {
  return queryOptions({
    queryKey: ["me", key],
    staleTime: 5 * 60_000,
    enabled: key != null,
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/v1/me", { signal })),
  });
}

/** Starts `GET /me` from a route loader (no waiting); errors are for the hooks to see. */
export function prefetchIdentity(client: QueryClient): void {
  const key = getApiKey();
  if (!key) return;
  void client.query(identityOptions(key)).catch(() => undefined);
}

export function useIdentity() {
  return useQuery(identityOptions(useApiKey()));
}

/**
 * Whether the key may use `route`: `"allowed"`, `"denied"` (its role is below the route's),
 * `"pending"` (not known yet) or `"unknown"` (`/me` failed: offer the action, the API decides).
 */
export type Permission = "allowed" | "denied" | "pending" | "unknown";

export function permissionFor(
  identity: Pick<Identity, "permissions"> | undefined,
  route: GatedRoute,
): "allowed" | "denied" | null {
  if (!identity) return null;
  return identity.permissions.includes(ROUTE_ROLES[route]) ? "allowed" : "denied";
}

/** Whether to offer the action: the role allows it, or the API will be the judge. */
export function mayOffer(permission: Permission): boolean {
  return permission === "allowed" || permission === "unknown";
}

export function usePermission(route: GatedRoute): Permission {
  const identity = useIdentity();
  if (identity.isError) return "unknown";
  return permissionFor(identity.data, route) ?? "pending";
}
