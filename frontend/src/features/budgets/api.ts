import { queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/api/client";

export type BudgetStatus = Schemas["BudgetStatusOut"];
export type BudgetSpec = Schemas["BudgetSpec"];

export function budgetsOptions() {
  return queryOptions({
    queryKey: ["budgets"],
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/v1/budgets", { signal })),
  });
}

export function useBudgets() {
  return useQuery(budgetsOptions());
}

export function useBudgetAlerts(budgetId: number | null) {
  return useQuery({
    queryKey: ["budget-alerts", budgetId],
    enabled: budgetId != null,
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/budgets/{budget_id}/alerts", {
          params: { path: { budget_id: budgetId ?? 0 } },
          signal,
        }),
      ),
  });
}

export function useSaveBudget() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, spec }: { id: number | null; spec: BudgetSpec }) =>
      id == null
        ? unwrap(await api.POST("/api/v1/budgets", { body: spec }))
        : unwrap(
            await api.PUT("/api/v1/budgets/{budget_id}", {
              params: { path: { budget_id: id } },
              body: spec,
            }),
          ),
    onSuccess: () => client.invalidateQueries({ queryKey: ["budgets"] }),
  });
}

export function useDeleteBudget() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) =>
      unwrap(
        await api.DELETE("/api/v1/budgets/{budget_id}", { params: { path: { budget_id: id } } }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: ["budgets"] }),
  });
}
