/**
 * The Overview's requests, in one place so the route can start them before the page's code has
 * loaded (see `prefetchOverview`): the API's answer, not the chunk download, sets the pace.
 */
import type { QueryClient } from "@tanstack/react-query";
import { getApiKey } from "@/api/apiKey";
import { addDays, todayUtc } from "@/calendar/days";
import { anomaliesOptions } from "../anomalies/api";
import { budgetsOptions } from "../budgets/api";
import { costsOptions, costSummaryOptions, type CostsQuery } from "../costs/api";
import { monthEndProjectionOptions } from "../forecasts/api";
import { insightsOptions } from "../insights/api";
import { recommendationsOptions } from "../recommendations/api";
import { savingsOptions } from "../savings/api";

export const TREND_DAYS = 30;

export function trendQuery(today = todayUtc()): CostsQuery {
  return {
    start: addDays(today, -TREND_DAYS),
    end: today,
    granularity: "day",
    group_by: ["service"],
    metric: "effective",
    limit: 5,
  };
}

export const OPEN_ANOMALIES = { status: "open" as const, limit: 50 };
// The API orders by saving, but SQLite compares its NUMERIC text lexically; the page takes a
// page of open ones and orders it exactly, so the biggest five are right on either database.
export const OPEN_RECOMMENDATIONS = { status: "open" as const, limit: 100 };

/** Starts every Overview request (no waiting); the page's hooks pick up the same queries. */
export function prefetchOverview(client: QueryClient): void {
  if (!getApiKey()) return;
  // Errors are the page's to show (its hooks see the same failed query); swallow them here.
  const ignore = () => undefined;
  void client.query(costSummaryOptions()).catch(ignore);
  void client.query(monthEndProjectionOptions()).catch(ignore);
  void client.query(costsOptions(trendQuery())).catch(ignore);
  void client.query(budgetsOptions()).catch(ignore);
  void client.query(anomaliesOptions(OPEN_ANOMALIES)).catch(ignore);
  void client.query(insightsOptions()).catch(ignore);
  void client.query(recommendationsOptions(OPEN_RECOMMENDATIONS)).catch(ignore);
  void client.query(savingsOptions()).catch(ignore);
}
