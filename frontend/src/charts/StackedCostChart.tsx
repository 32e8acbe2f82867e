import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { formatMoney } from "@/format/format";
import { ChartFigure } from "./ChartFigure";

export interface CostSeries {
  key: string;
  label: string;
  color: string;
}

export interface CostChartRow {
  /** Category key (period start). */
  period: string;
  /** Axis label. */
  label: string;
  /** Plot values (floats, geometry only). */
  values: Record<string, number>;
  /** Exact API strings by series key, for the tooltip. */
  exact: Record<string, string>;
  /** Exact total of the period. */
  total: string;
}

interface TooltipPayload {
  payload?: CostChartRow;
}

function CostTooltip({
  active,
  payload,
  series,
  currency,
}: {
  active?: boolean;
  payload?: readonly TooltipPayload[];
  series: CostSeries[];
  currency: string;
}) {
  const row = payload?.[0]?.payload;
  if (!active || !row) return null;
  const present = series.filter((s) => row.exact[s.key] != null).reverse();
  return (
    <div className="max-w-xs rounded-md bg-white p-2 text-xs shadow-lg ring-1 ring-slate-200">
      <p className="mb-1 font-semibold text-slate-900">
        {row.label} · {formatMoney(row.total, currency)}
      </p>
      <ul className="space-y-0.5">
        {present.slice(0, 12).map((s) => (
          <li key={s.key} className="flex justify-between gap-3">
            <span className="flex min-w-0 items-center gap-1.5">
              <span
                className="inline-block size-2 shrink-0 rounded-sm"
                style={{ background: s.color }}
              />
              <span className="truncate text-slate-700">{s.label}</span>
            </span>
            <span className="tabular-nums text-slate-900">
              {formatMoney(row.exact[s.key], currency)}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Cost per period stacked by group (largest group at the bottom). */
export function StackedCostChart({
  rows,
  series,
  currency,
  summary,
  height = 300,
}: {
  rows: CostChartRow[];
  series: CostSeries[];
  currency: string;
  summary: string;
  height?: number;
}) {
  return (
    <ChartFigure summary={summary} height={height} testId="cost-chart">
      <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 8 }} barCategoryGap="12%">
        <CartesianGrid vertical={false} stroke="#e2e8f0" />
        <XAxis
          dataKey="label"
          tick={{ fontSize: 11, fill: "#475569" }}
          tickLine={false}
          minTickGap={16}
        />
        <YAxis
          tick={{ fontSize: 11, fill: "#475569" }}
          tickLine={false}
          axisLine={false}
          width={64}
          tickFormatter={(v: number) => formatMoney(v, currency, { compact: true })}
        />
        <Tooltip
          cursor={{ fill: "rgba(15, 118, 110, 0.06)" }}
          content={(props) => (
            <CostTooltip
              active={props.active}
              payload={props.payload}
              series={series}
              currency={currency}
            />
          )}
        />
        {series.length <= 12 && (
          <Legend wrapperStyle={{ fontSize: 12 }} iconSize={10} itemSorter={null} />
        )}
        {series.map((s) => (
          <Bar
            key={s.key}
            dataKey={(row: CostChartRow) => row.values[s.key] ?? 0}
            name={s.label}
            stackId="cost"
            fill={s.color}
            isAnimationActive={false}
          />
        ))}
      </BarChart>
    </ChartFigure>
  );
}
