import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { formatMoney } from "@/format/format";
import { ChartFigure } from "./ChartFigure";
import { CATEGORY_AXIS, CHART_MARGIN, GRID, LEGEND, VALUE_AXIS } from "./chartStyle";
import { TooltipCard } from "./TooltipCard";

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
  // Top of the stack first, as drawn; at most 12 rows.
  const present = series.filter((s) => row.exact[s.key] != null).reverse();
  return (
    <TooltipCard
      title={`${row.label} · ${formatMoney(row.total, currency)}`}
      rows={present.slice(0, 12).map((s) => ({
        key: s.key,
        label: s.label,
        color: s.color,
        value: formatMoney(row.exact[s.key], currency),
      }))}
    />
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
      <BarChart data={rows} margin={CHART_MARGIN} barCategoryGap="12%">
        <CartesianGrid {...GRID} />
        <XAxis {...CATEGORY_AXIS} dataKey="label" minTickGap={16} />
        <YAxis
          {...VALUE_AXIS}
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
        {series.length <= 12 && <Legend {...LEGEND} />}
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
