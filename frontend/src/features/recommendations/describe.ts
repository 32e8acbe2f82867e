import { formatMoney } from "@/format/format";
import type { Recommendation } from "./api";

function text(value: unknown): string | null {
  if (value == null) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return String(value);
  return null;
}

/** "m5.xlarge", "512 MB", "cpu 9.5 % reserved": the one-line gist of a configuration. */
export function configGist(config: Record<string, unknown>): string {
  const instance = text(config.instance_type);
  if (instance) return instance;
  const memory = text(config.memory_mb);
  if (memory) return `${memory} MB`;
  const cpu = text(config.cpu);
  const mem = text(config.memory);
  if (cpu || mem) return [cpu && `${cpu} CPU`, mem && `${mem} MB`].filter(Boolean).join(" / ");
  const launch = text(config.launch_type);
  if (launch) return launch;
  const desired = text(config.desired_size);
  if (desired) return `${desired} nodes`;
  return "—";
}

export function actionSummary(rec: Recommendation): string {
  const from = configGist(rec.current_config);
  const to = configGist(rec.recommended_config);
  if (rec.action === "terminate" || rec.action === "stop") return `${rec.action} ${from}`;
  return to === "—" ? rec.action : `${from} → ${to}`;
}

/** The short name of a resource id or ARN. */
export function shortResource(id: string): string {
  return id.split(/[:/]/).filter(Boolean).pop() ?? id;
}

export function monthlySaving(rec: Recommendation): string {
  return formatMoney(rec.estimated_monthly_saving, rec.billing_currency);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Nested settings one level deep as "parent · child" keys. */
function flatten(config: Record<string, unknown>): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (isRecord(value)) {
      for (const [inner, innerValue] of Object.entries(value))
        flat[`${key} · ${inner}`] = innerValue;
    } else {
      flat[key] = value;
    }
  }
  return flat;
}

/** Every config key of either side (nested ones flattened), current first. */
export function configRows(
  rec: Recommendation,
): { key: string; current: unknown; recommended: unknown }[] {
  const current = flatten(rec.current_config);
  const recommended = flatten(rec.recommended_config);
  const keys = [...new Set([...Object.keys(current), ...Object.keys(recommended)])];
  return keys.map((key) => ({ key, current: current[key], recommended: recommended[key] }));
}

export function displayValue(value: unknown): string {
  if (value == null) return "—";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  if (Array.isArray(value)) return value.map(displayValue).join(", ");
  if (isRecord(value)) {
    return Object.entries(value)
      .map(([k, v]) => `${k}: ${displayValue(v)}`)
      .join(", ");
  }
  return JSON.stringify(value);
}
