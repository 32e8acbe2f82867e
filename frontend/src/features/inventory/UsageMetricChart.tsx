import { BandChart, type BandPoint } from "@/charts/BandChart";
import { toChartNumber } from "@/format/decimal";
import { formatCompactNumber, formatNumber } from "@/format/format";
import type { UsageRow } from "./api";

function unitSuffix(unit: string | null): string {
  if (!unit || unit === "None" || unit === "Count") return "";
  return unit === "Percent" ? "%" : ` ${unit}`;
}

/** Daily P50 / P95 / P99.5 / max of one metric, the P50–P95 range shaded. */
export function UsageMetricChart({
  metric,
  rows,
  reference,
  height = 220,
}: {
  metric: string;
  rows: UsageRow[];
  reference?: { value: number; label: string };
  height?: number;
}) {
  const suffix = unitSuffix(rows[0]?.unit ?? null);
  const fmt = (v: string | null) => (v == null ? "" : `${formatNumber(v, 2)}${suffix}`);
  const points: BandPoint[] = rows.map((r) => ({
    x: r.day,
    lines: {
      p99_5: r.p99_5 == null ? null : toChartNumber(r.p99_5),
      max: r.max == null ? null : toChartNumber(r.max),
      avg: r.avg == null ? null : toChartNumber(r.avg),
      ...(reference ? { reference: reference.value } : {}),
    },
    bands: {
      p50_p95: r.p50 != null && r.p95 != null ? [toChartNumber(r.p50), toChartNumber(r.p95)] : null,
    },
    exact: {
      avg: fmt(r.avg),
      p50_p95: r.p50 != null && r.p95 != null ? `${fmt(r.p50)} – ${fmt(r.p95)}` : "",
      p99_5: fmt(r.p99_5),
      max: fmt(r.max),
      ...(reference ? { reference: `${formatNumber(reference.value, 2)}${suffix}` } : {}),
    },
  }));
  return (
    <BandChart
      testId={`usage-chart-${metric}`}
      height={height}
      points={points}
      bands={[{ key: "p50_p95", label: "P50–P95", color: "#0f766e", opacity: 0.18 }]}
      lines={[
        { key: "avg", label: "Average", color: "#0f766e" },
        { key: "p99_5", label: "P99.5", color: "#d97706" },
        { key: "max", label: "Max", color: "#dc2626", dashed: true },
        ...(reference
          ? [{ key: "reference", label: reference.label, color: "#4f46e5", dashed: true }]
          : []),
      ]}
      formatValue={(v) => `${formatNumber(v, 1)}${suffix}`}
      formatAxis={(v) => `${formatCompactNumber(v)}${suffix === "%" ? "%" : ""}`}
      summary={`Daily ${metric}: average, P50 to P95 range, P99.5 and maximum.`}
    />
  );
}

/** One chart per metric, two per row on wide screens (`reference`: a line on one metric). */
export function UsageMetricCharts({
  metrics,
  reference,
}: {
  metrics: Map<string, UsageRow[]>;
  reference?: { metric: string; value: number; label: string };
}) {
  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
      {[...metrics.entries()].map(([metric, rows]) => (
        <div key={metric}>
          <h3 className="mb-1 text-xs font-semibold text-slate-700">{metric}</h3>
          <UsageMetricChart
            metric={metric}
            rows={rows}
            height={200}
            reference={reference?.metric === metric ? reference : undefined}
          />
        </div>
      ))}
    </div>
  );
}
