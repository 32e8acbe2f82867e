/** The budget form's state, its validation (mirrors the API's BudgetSpec) and the request body. */
import { isDecimalText } from "@/format/decimal";
import type { BudgetSpec, BudgetStatus } from "./api";

export const SCOPE_TYPES = ["total", "account", "service", "region", "tag"] as const;
export type ScopeType = (typeof SCOPE_TYPES)[number];

export interface ThresholdDraft {
  kind: "actual" | "forecast";
  percent: string;
}

export interface BudgetDraft {
  name: string;
  scope_type: ScopeType;
  scope_key: string;
  period: "monthly" | "quarterly";
  amount: string;
  currency: string;
  metric: "billed" | "effective" | "list";
  thresholds: ThresholdDraft[];
  webhook_secret_name: string;
}

export function emptyDraft(): BudgetDraft {
  return {
    name: "",
    scope_type: "total",
    scope_key: "",
    period: "monthly",
    amount: "",
    currency: "USD",
    metric: "effective",
    thresholds: [
      { kind: "actual", percent: "80" },
      { kind: "actual", percent: "100" },
      { kind: "forecast", percent: "100" },
    ],
    webhook_secret_name: "",
  };
}

export function draftFrom(status: BudgetStatus): BudgetDraft {
  const b = status.budget;
  return {
    name: b.name,
    scope_type: (SCOPE_TYPES as readonly string[]).includes(b.scope_type)
      ? (b.scope_type as ScopeType)
      : "total",
    scope_key: b.scope_key ?? "",
    period: b.period === "quarterly" ? "quarterly" : "monthly",
    amount: b.amount,
    currency: b.currency,
    metric: b.metric === "billed" || b.metric === "list" ? b.metric : "effective",
    thresholds: b.thresholds.map((t) => ({
      kind: t.kind === "forecast" ? "forecast" : "actual",
      percent: t.percent,
    })),
    webhook_secret_name: b.webhook_secret_name ?? "",
  };
}

export type DraftErrors = Partial<Record<keyof BudgetDraft | `threshold_${number}`, string>>;

export function validateDraft(draft: BudgetDraft): DraftErrors {
  const errors: DraftErrors = {};
  if (!draft.name.trim()) errors.name = "A name";
  else if (draft.name.length > 200) errors.name = "At most 200 characters";
  if (!isDecimalText(draft.amount) || Number(draft.amount) <= 0)
    errors.amount = "An amount above 0, e.g. 15000";
  if (!/^[A-Z]{3}$/.test(draft.currency)) errors.currency = "A 3-letter currency code, e.g. USD";
  if (draft.scope_type !== "total" && !draft.scope_key.trim()) {
    errors.scope_key =
      draft.scope_type === "tag" ? "KEY=VALUE, e.g. team=web" : `The ${draft.scope_type} to track`;
  }
  if (draft.scope_type === "tag" && draft.scope_key.trim() && !draft.scope_key.includes("=")) {
    errors.scope_key = "KEY=VALUE, e.g. team=web";
  }
  if (draft.webhook_secret_name && !/^[a-z0-9_]+$/.test(draft.webhook_secret_name)) {
    errors.webhook_secret_name = "Lower-case letters, digits and _ only";
  }
  if (draft.thresholds.length > 10) errors.thresholds = "At most 10 thresholds";
  draft.thresholds.forEach((t, i) => {
    const value = Number(t.percent);
    if (!isDecimalText(t.percent) || value <= 0 || value > 1000)
      errors[`threshold_${i}`] = "0 < percent ≤ 1000";
  });
  return errors;
}

/** The request body of POST/PUT /budgets (amounts stay decimal strings: exact on the wire). */
export function specFromDraft(draft: BudgetDraft): BudgetSpec {
  return {
    name: draft.name.trim(),
    scope_type: draft.scope_type,
    scope_key: draft.scope_type === "total" ? null : draft.scope_key.trim(),
    period: draft.period,
    amount: draft.amount.trim(),
    currency: draft.currency,
    metric: draft.metric,
    thresholds: draft.thresholds.map((t) => ({ kind: t.kind, percent: t.percent.trim() })),
    webhook_secret_name: draft.webhook_secret_name.trim() || null,
  };
}
