/**
 * The Cost explorer's query, held in the URL so a view can be shared.
 *
 * The URL uses the API's own parameter names (`start`, `end`, `granularity`, `group_by`,
 * `filter[dim]`, `metric`, `limit`), so a shared link reads like the request behind it.
 */
import { addDays, addMonths, isIsoDay, startOfMonth, startOfYear, todayUtc } from "@/calendar/days";

export const METRICS = ["effective", "billed", "list"] as const;
export type Metric = (typeof METRICS)[number];

export const GRANULARITIES = ["day", "month", "total"] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** The dimensions `GET /costs` groups and filters by (plus `tag:<key>`). */
export const DIMENSIONS = [
  "service",
  "account",
  "region",
  "usage_type",
  "resource",
  "charge_category",
  "service_category",
  "pricing_category",
  "billing_account",
  "provider",
  "currency",
] as const;

export const MAX_GROUP_BY = 3;
export const DEFAULT_TOP = 10;

export interface CostView {
  start: string;
  end: string;
  granularity: Granularity;
  groupBy: string[];
  filters: Record<string, string[]>;
  metric: Metric;
  limit: number;
}

export const RANGE_PRESETS = [
  { id: "mtd", label: "Month to date" },
  { id: "last-month", label: "Last month" },
  { id: "30d", label: "Last 30 days" },
  { id: "90d", label: "Last 90 days" },
  { id: "6m", label: "Last 6 months" },
  { id: "12m", label: "Last 12 months" },
  { id: "ytd", label: "Year to date" },
] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number]["id"];

/** [start, end) of a preset; today (incomplete) is excluded. */
export function presetRange(
  preset: RangePreset,
  today = todayUtc(),
): { start: string; end: string } {
  const monthStart = startOfMonth(today);
  switch (preset) {
    case "mtd":
      return today === monthStart
        ? { start: addMonths(monthStart, -1), end: monthStart }
        : { start: monthStart, end: today };
    case "last-month":
      return { start: addMonths(monthStart, -1), end: monthStart };
    case "30d":
      return { start: addDays(today, -30), end: today };
    case "90d":
      return { start: addDays(today, -90), end: today };
    case "6m":
      return { start: addMonths(monthStart, -5), end: today };
    case "12m":
      return { start: addMonths(monthStart, -11), end: today };
    case "ytd":
      return { start: startOfYear(today), end: today };
  }
}

export function defaultCostView(today = todayUtc()): CostView {
  return {
    ...presetRange("6m", today),
    granularity: "month",
    groupBy: ["service"],
    filters: {},
    metric: "effective",
    limit: DEFAULT_TOP,
  };
}

function isDimension(value: string): boolean {
  return (DIMENSIONS as readonly string[]).includes(value) || /^tag:.+/.test(value);
}

function splitList(values: string[]): string[] {
  return values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
}

/** The view in `search`, with defaults for anything missing or malformed. */
export function parseCostView(search: URLSearchParams, today = todayUtc()): CostView {
  const fallback = defaultCostView(today);
  const start = search.get("start");
  const end = search.get("end");
  const range =
    isIsoDay(start) && isIsoDay(end) && start < end
      ? { start, end }
      : { start: fallback.start, end: fallback.end };
  const granularity = search.get("granularity");
  const metric = search.get("metric");
  const limit = Number(search.get("limit"));
  const groupBy = search.has("group_by")
    ? splitList(search.getAll("group_by")).filter(isDimension).slice(0, MAX_GROUP_BY)
    : fallback.groupBy;
  const filters: Record<string, string[]> = {};
  for (const [name, value] of search.entries()) {
    const match = /^filter\[(.+)\]$/.exec(name);
    if (match?.[1] && isDimension(match[1])) {
      const values = splitList([value]);
      if (values.length) filters[match[1]] = [...(filters[match[1]] ?? []), ...values];
    }
  }
  return {
    ...range,
    granularity: (GRANULARITIES as readonly string[]).includes(granularity ?? "")
      ? (granularity as Granularity)
      : fallback.granularity,
    groupBy,
    filters,
    metric: (METRICS as readonly string[]).includes(metric ?? "")
      ? (metric as Metric)
      : fallback.metric,
    limit: Number.isInteger(limit) && limit >= 1 && limit <= 1000 ? limit : fallback.limit,
  };
}

/** The URL search of a view (stable order, so equal views give equal links). */
export function serializeCostView(view: CostView): URLSearchParams {
  const search = new URLSearchParams();
  search.set("start", view.start);
  search.set("end", view.end);
  search.set("granularity", view.granularity);
  search.set("group_by", view.groupBy.join(","));
  for (const name of Object.keys(view.filters).sort()) {
    const values = view.filters[name];
    if (values?.length) search.set(`filter[${name}]`, values.join(","));
  }
  search.set("metric", view.metric);
  search.set("limit", String(view.limit));
  return search;
}

/** Query parameters of `GET /costs` for a view (`total` = no granularity: one bucket). */
export function costsQuery(view: CostView, overrides: { granularity?: Granularity | null } = {}) {
  const granularity =
    overrides.granularity === undefined ? view.granularity : overrides.granularity;
  const filter: Record<string, string> = {};
  for (const [name, values] of Object.entries(view.filters)) {
    if (values.length) filter[name] = values.join(",");
  }
  return {
    start: view.start,
    end: view.end,
    ...(granularity && granularity !== "total" ? { granularity } : {}),
    ...(view.groupBy.length ? { group_by: view.groupBy } : {}),
    ...(Object.keys(filter).length ? { filter } : {}),
    metric: view.metric,
    limit: view.limit,
  };
}

export function dimensionLabel(dimension: string): string {
  if (dimension.startsWith("tag:")) return `Tag ${dimension.slice(4)}`;
  const labels: Record<string, string> = {
    service: "Service",
    account: "Account",
    region: "Region",
    usage_type: "Usage type",
    resource: "Resource",
    charge_category: "Charge category",
    service_category: "Service category",
    pricing_category: "Pricing category",
    billing_account: "Billing account",
    provider: "Provider",
    currency: "Currency",
  };
  return labels[dimension] ?? dimension;
}
