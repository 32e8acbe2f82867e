import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type ApiPaths, type Schemas } from "@/api/client";

export type RemediationAction = Schemas["ActionView"];
export type RemediationPolicy = Schemas["PolicyView"];
export type PlanRun = Schemas["PlanRunView"];
export type ActionsQuery = NonNullable<
  ApiPaths["/api/v1/remediation/actions"]["get"]["parameters"]["query"]
>;

export type ActionStatus = Schemas["ActionStatus"];

// a Record over the API's enum: the compiler refuses a missing or an unknown status
const IN_LIFECYCLE_ORDER: Record<ActionStatus, true> = {
  planned: true,
  refused: true,
  approved: true,
  rejected: true,
  executing: true,
  succeeded: true,
  failed: true,
  rolling_back: true,
  rolled_back: true,
  rollback_failed: true,
  superseded: true,
};

/** Every action status, in lifecycle order. */
export const ACTION_STATUSES = Object.keys(IN_LIFECYCLE_ORDER) as ActionStatus[];

/** A field change of a plan: {field, from, to}. */
export interface PlanChange {
  field: string;
  from: unknown;
  to: unknown;
}

export function planChanges(action: RemediationAction): PlanChange[] {
  const changes = action.plan.changes;
  if (!Array.isArray(changes)) return [];
  return changes.filter(
    (c): c is PlanChange => typeof c === "object" && c !== null && "field" in c,
  );
}

/** What an operator may do next with an action, by its status and mode. */
export function nextSteps(
  action: RemediationAction,
): ("approve" | "reject" | "execute" | "rollback")[] {
  switch (action.status) {
    case "planned":
      return action.mode === "dry-run" ? [] : ["approve", "reject"];
    case "approved":
      return ["execute", "reject"];
    case "succeeded":
    case "failed":
    case "rollback_failed":
      return action.rollback_available ? ["rollback"] : [];
    default:
      return [];
  }
}

export function useRemediationActions(query: ActionsQuery) {
  return useQuery({
    queryKey: ["remediation-actions", query],
    placeholderData: keepPreviousData,
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/remediation/actions", { params: { query }, signal })),
  });
}

export function useRemediationAction(id: number | null) {
  return useQuery({
    queryKey: ["remediation-action", id],
    enabled: id != null,
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/remediation/actions/{action_id}", {
          params: { path: { action_id: id ?? 0 } },
          signal,
        }),
      ),
  });
}

export function useRemediationPolicies() {
  return useQuery({
    queryKey: ["remediation-policies"],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/remediation/policies", { signal })),
  });
}

type Step = "approve" | "reject" | "execute" | "rollback";

export function useRemediationStep(id: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ step, note }: { step: Step; note?: string }) => {
      const params = { path: { action_id: id } };
      const body = { note: note?.trim() ? note.trim() : null };
      switch (step) {
        case "approve":
          return unwrap(
            await api.POST("/api/v1/remediation/actions/{action_id}/approve", { params, body }),
          );
        case "reject":
          return unwrap(
            await api.POST("/api/v1/remediation/actions/{action_id}/reject", { params, body }),
          );
        case "execute":
          return unwrap(
            await api.POST("/api/v1/remediation/actions/{action_id}/execute", { params }),
          );
        case "rollback":
          return unwrap(
            await api.POST("/api/v1/remediation/actions/{action_id}/rollback", { params }),
          );
      }
    },
    onSuccess: (action) => {
      client.setQueryData(["remediation-action", id], action);
      void client.invalidateQueries({ queryKey: ["remediation-actions"] });
      void client.invalidateQueries({ queryKey: ["audit"] });
    },
  });
}

export function usePlanPolicy() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (name: string) =>
      unwrap(
        await api.POST("/api/v1/remediation/policies/{name}/plan", { params: { path: { name } } }),
      ),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["remediation-actions"] });
      void client.invalidateQueries({ queryKey: ["audit"] });
    },
  });
}
