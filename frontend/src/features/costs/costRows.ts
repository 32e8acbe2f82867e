/**
 * Turns `GET /costs` rows into chart series, chart rows and table rows. Sums are exact
 * (big.js); per-group totals over the whole range come from the server's own one-bucket query.
 */
import type { Schemas } from "@/api/client";
import { OTHER_COLOR, seriesColor } from "@/charts/palette";
import type { CostChartRow, CostSeries } from "@/charts/StackedCostChart";
import { compareDecimals, sumDecimals, toChartNumber } from "@/format/decimal";
import { formatDate, formatMonth, MISSING } from "@/format/format";
import type { Granularity, Metric } from "./costView";

export type CostRow = Schemas["CostRowOut"];
export const OTHER_KEY = "__other__";
export const NO_GROUP_KEY = "__total__";

/** A stable key for a row's group (its dimension values). */
export function groupKey(row: CostRow, groupBy: string[]): string {
  if (row.is_other) return OTHER_KEY;
  if (groupBy.length === 0) return NO_GROUP_KEY;
  return JSON.stringify(groupBy.map((d) => row.keys[d] ?? null));
}

/** "AmazonEC2 · us-east-1"; a missing value is "(none)". */
export function groupLabel(row: CostRow, groupBy: string[]): string {
  if (row.is_other) return "Other";
  if (groupBy.length === 0) return "Total";
  return groupBy.map((d) => row.keys[d] ?? "(none)").join(" · ");
}

export function periodLabel(periodStart: string, granularity: Granularity): string {
  if (granularity === "month") return formatMonth(periodStart);
  if (granularity === "day") return formatDate(periodStart);
  return MISSING;
}

export function metricValue(row: CostRow | Schemas["CostTotalOut"], metric: Metric): string {
  return row[metric];
}

/**
 * Series ordered by their exact total over the range (largest first, "Other" last), with
 * colours assigned in that order.
 */
export function buildSeries(rows: CostRow[], groupBy: string[], metric: Metric): CostSeries[] {
  const totals = new Map<string, { label: string; amounts: string[] }>();
  for (const row of rows) {
    const key = groupKey(row, groupBy);
    const entry = totals.get(key) ?? { label: groupLabel(row, groupBy), amounts: [] };
    entry.amounts.push(metricValue(row, metric));
    totals.set(key, entry);
  }
  const ordered = [...totals.entries()]
    .map(([key, entry]) => ({ key, label: entry.label, total: sumDecimals(entry.amounts) }))
    .sort((a, b) => {
      if (a.key === OTHER_KEY) return 1;
      if (b.key === OTHER_KEY) return -1;
      return compareDecimals(b.total, a.total) || a.label.localeCompare(b.label);
    });
  let colour = 0;
  return ordered.map(({ key, label }) => ({
    key,
    label,
    color: key === OTHER_KEY ? OTHER_COLOR : seriesColor(colour++),
  }));
}

/** One chart row per period (rows of one currency only). */
export function buildChartRows(
  rows: CostRow[],
  groupBy: string[],
  metric: Metric,
  granularity: Granularity,
): CostChartRow[] {
  const byPeriod = new Map<string, CostChartRow & { amounts: string[] }>();
  for (const row of rows) {
    const period = row.period_start;
    let entry = byPeriod.get(period);
    if (!entry) {
      entry = {
        period,
        label: granularity === "total" ? "Total" : periodLabel(period, granularity),
        values: {},
        exact: {},
        total: "0.00",
        amounts: [],
      };
      byPeriod.set(period, entry);
    }
    const key = groupKey(row, groupBy);
    const amount = metricValue(row, metric);
    entry.exact[key] = sumDecimals([entry.exact[key], amount]);
    entry.values[key] = toChartNumber(entry.exact[key]);
    entry.amounts.push(amount);
  }
  return [...byPeriod.values()]
    .sort((a, b) => a.period.localeCompare(b.period))
    .map(({ amounts, ...row }) => ({ ...row, total: sumDecimals(amounts) }));
}

/** The currencies present, the most expensive first is not knowable across currencies: alphabetical. */
export function currenciesOf(totals: Schemas["CostTotalOut"][]): string[] {
  return totals.map((t) => t.currency).sort();
}
