import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap, type ApiPaths, type Schemas } from "@/api/client";

export type SavingsDay = Schemas["SavingsDayView"];
export type SavingsDailyQuery = NonNullable<
  ApiPaths["/api/v1/savings/daily"]["get"]["parameters"]["query"]
>;

/** One applied recommendation in GET /savings (the route documents these as free-form objects). */
export interface SavingsRecommendation {
  recommendation_id: number;
  resource_id: string;
  account_id: string | null;
  applied_on: string;
  baseline_start: string;
  baseline_end: string;
  baseline_days: number;
  billing_currency: string;
  baseline_daily_cost: string;
  estimated_monthly_saving: string;
  estimated_daily_saving: string;
  kind: string;
  action: string;
  days_tracked: number;
  last_day: string | null;
  estimated_to_date: string;
  realized_to_date: string;
  realization_rate: string | null;
}

export interface SavingsTotals {
  recommendations: number;
  estimated_monthly_saving: string;
  estimated_to_date: string;
  realized_to_date: string;
  realization_rate: string | null;
}

export interface SavingsSummary {
  recommendations: SavingsRecommendation[];
  accounts: (SavingsTotals & { account_id: string | null; billing_currency: string })[];
  totals: (SavingsTotals & { billing_currency: string })[];
}

export function savingsOptions(query: { account_id?: string } = {}) {
  return queryOptions({
    queryKey: ["savings", query],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/savings", { params: { query }, signal })),
  });
}

export function useSavings(query: { account_id?: string } = {}) {
  return useQuery(savingsOptions(query));
}

/** Estimated vs realized saving per day and currency (`GET /savings/daily`, exact sums). */
export function useSavingsDaily(query: SavingsDailyQuery) {
  return useQuery({
    queryKey: ["savings", "daily", query],
    placeholderData: keepPreviousData,
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/savings/daily", { params: { query }, signal })),
  });
}
