/**
 * Reading an `AskResponse` for the page: its status, the plan (a free-form object in the
 * OpenAPI document, typed here after `finops.assistant.plan.QueryPlan`), the sources as request
 * lines, and what a clarifying option asks.
 */
import type { AskResponse, AskRow, AskSource } from "./api";

/** The parser's own examples (`finops.assistant.parser._EXAMPLES`), offered as buttons. */
export const EXAMPLE_QUESTIONS = [
  "Top 5 services with rising cost last 60 days?",
  "How much did we spend last month?",
  "EC2 cost per day this month",
  "Compare October and September",
] as const;

export type AskStatus = "answered" | "clarify" | "refused";

/** The answer's status, or null for a word this dashboard does not know. */
export function askStatus(response: Pick<AskResponse, "status">): AskStatus | null {
  const { status } = response;
  return status === "answered" || status === "clarify" || status === "refused" ? status : null;
}

export interface PlanWindow {
  start: string;
  end: string;
  label: string;
}

export interface AskPlan {
  intent: string;
  window: PlanWindow;
  previousWindow: PlanWindow | null;
  metric: string;
  groupBy: string | null;
  filters: Record<string, string[]>;
  n: number | null;
  granularity: string | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readWindow(value: unknown): PlanWindow | null {
  if (!isRecord(value)) return null;
  const { start, end, label } = value;
  if (typeof start !== "string" || typeof end !== "string") return null;
  return { start, end, label: typeof label === "string" ? label : "" };
}

function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

/** The plan, or null when there is none (refused, clarify) or it is not shaped as expected. */
export function readPlan(plan: AskResponse["plan"]): AskPlan | null {
  if (!isRecord(plan)) return null;
  const window = readWindow(plan.window);
  const intent = text(plan.intent);
  if (!window || !intent) return null;
  const filters: Record<string, string[]> = {};
  if (isRecord(plan.filters)) {
    for (const [dimension, values] of Object.entries(plan.filters)) {
      if (Array.isArray(values)) filters[dimension] = values.map(String);
    }
  }
  return {
    intent,
    window,
    previousWindow: readWindow(plan.previous_window),
    metric: text(plan.metric) ?? "effective_cost",
    groupBy: text(plan.group_by),
    filters,
    n: typeof plan.n === "number" ? plan.n : null,
    granularity: text(plan.granularity),
  };
}

/** What each intent computes, in words. */
export const INTENT_TEXT: Record<string, string> = {
  total: "One figure for the window",
  top: "The largest groups in the window",
  rising: "The groups whose cost rose most against the previous window",
  falling: "The groups whose cost fell most against the previous window",
  breakdown: "Every group in the window, largest first",
  compare: "The window against the previous one",
  series: "The cost per period",
  max_day: "The most expensive day",
  count: "How many groups had any cost",
};

function scalar(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return null;
}

/** The query string of a source, readable (brackets, commas, colons unescaped). */
export function sourceQuery(params: AskSource["params"]): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    const values = Array.isArray(value) ? (value as unknown[]) : [value];
    for (const v of values) {
      const s = scalar(v);
      if (s != null && s !== "") search.append(name, s);
    }
  }
  return search
    .toString()
    .replace(/\+/g, "%20")
    .replace(/%5B/gi, "[")
    .replace(/%5D/gi, "]")
    .replace(/%2C/gi, ",")
    .replace(/%3A/gi, ":");
}

/** "GET /api/v1/costs?start=...": the request that returns the answer's figures. */
export function sourceLine(source: AskSource): string {
  const query = sourceQuery(source.params);
  return `${source.method} ${source.path}${query ? `?${query}` : ""}`;
}

/**
 * The Cost explorer showing a `GET /api/v1/costs` source (its URL takes the API's parameter
 * names); null for any other source.
 */
export function explorerLink(source: AskSource): string | null {
  if (source.method !== "GET" || source.path !== "/api/v1/costs") return null;
  const search = new URLSearchParams();
  const params = source.params;
  const get = (name: string) => scalar(params[name]);
  const start = get("start");
  const end = get("end");
  if (!start || !end) return null;
  search.set("start", start);
  search.set("end", end);
  search.set("granularity", get("granularity") ?? "total");
  // an empty group_by is "no grouping" to the explorer (absent would be its default: service)
  search.set("group_by", get("group_by") ?? "");
  for (const [name, value] of Object.entries(params)) {
    const s = scalar(value);
    if (/^filter\[.+\]$/.test(name) && s) search.set(name, s);
  }
  search.set("metric", get("metric") ?? "effective");
  const limit = get("limit");
  if (limit) search.set("limit", limit);
  return `/costs?${search.toString()}`;
}

/**
 * The question a clarifying option asks: an example question as it is, anything else (a
 * service name, a period) added to the question that needed it.
 */
export function questionWithOption(question: string, option: string): string {
  const choice = option.trim();
  if (choice.endsWith("?") || (EXAMPLE_QUESTIONS as readonly string[]).includes(choice)) {
    return choice;
  }
  return `${question.trim().replace(/[\s?.!]+$/, "")}: ${choice}`;
}

/** Rows by currency, in the API's order (amounts in different currencies are never mixed). */
export function rowsByCurrency(rows: readonly AskRow[]): { currency: string; rows: AskRow[] }[] {
  const groups = new Map<string, AskRow[]>();
  for (const row of rows) {
    const list = groups.get(row.currency) ?? [];
    list.push(row);
    groups.set(row.currency, list);
  }
  return [...groups].map(([currency, list]) => ({ currency, rows: list }));
}

/** Whether the rows compare two windows per group (rising / falling). */
export function isChangeAnswer(plan: AskPlan | null, rows: readonly AskRow[]): boolean {
  return (
    plan?.intent === "rising" ||
    plan?.intent === "falling" ||
    rows.some((r) => r.current != null && r.previous != null)
  );
}
