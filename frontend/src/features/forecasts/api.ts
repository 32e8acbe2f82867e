import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, unwrap, type ApiPaths, type Schemas } from "@/api/client";

export type ForecastRun = Schemas["ForecastRunOut"];
export type ProjectionQuery = NonNullable<
  ApiPaths["/api/v1/projections/month-end"]["get"]["parameters"]["query"]
>;

/** Backtest scores as the forecasting job stores them (the API documents a free-form object). */
export interface BacktestScores {
  mase?: number | null;
  mape?: number | null;
  smape?: number | null;
  coverage_80?: number | null;
  coverage_95?: number | null;
  points?: number | null;
}

export interface ForecastPoint {
  day: string;
  yhat: string;
  lower_80: string;
  upper_80: string;
  lower_95: string;
  upper_95: string;
}

export interface HistoryPoint {
  day: string;
  actual: string;
}

export function useForecastRuns(
  query: { scope_type?: string; currency?: string; limit?: number } = {},
) {
  return useQuery({
    queryKey: ["forecasts", query],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/forecasts", { params: { query: { limit: 200, ...query } }, signal }),
      ),
  });
}

export function useForecast(id: number | null, historyDays = 120) {
  return useQuery({
    queryKey: ["forecast", id, historyDays],
    enabled: id != null,
    queryFn: async ({ signal }) => {
      const detail = unwrap(
        await api.GET("/api/v1/forecasts/{forecast_id}", {
          params: { path: { forecast_id: id ?? 0 }, query: { history_days: historyDays } },
          signal,
        }),
      );
      return {
        ...detail,
        history: detail.history as unknown as HistoryPoint[],
        forecast: detail.forecast as unknown as ForecastPoint[],
        backtest: detail.backtest,
      };
    },
  });
}

export function monthEndProjectionOptions(query: ProjectionQuery = {}) {
  return queryOptions({
    queryKey: ["projection", query],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/projections/month-end", { params: { query }, signal })),
  });
}

export function useMonthEndProjection(query: ProjectionQuery = {}) {
  return useQuery(monthEndProjectionOptions(query));
}
