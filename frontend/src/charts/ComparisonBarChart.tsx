import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { formatMoney } from "@/format/format";
import { ChartFigure } from "./ChartFigure";
import { CATEGORY_AXIS, CHART_MARGIN, GRID, LEGEND, VALUE_AXIS } from "./chartStyle";
import { TooltipCard } from "./TooltipCard";

export interface ComparisonRow {
  label: string;
  /** Floats for geometry; `exact` for the tooltip. */
  values: Record<string, number>;
  exact: Record<string, string>;
}

/** Side-by-side bars per category (e.g. estimated vs realized saving per recommendation). */
export function ComparisonBarChart({
  rows,
  bars,
  currency,
  summary,
  height = 260,
  testId,
}: {
  rows: ComparisonRow[];
  bars: { key: string; label: string; color: string }[];
  currency: string;
  summary: string;
  height?: number;
  testId?: string;
}) {
  return (
    <ChartFigure summary={summary} height={height} testId={testId}>
      <BarChart data={rows} margin={CHART_MARGIN}>
        <CartesianGrid {...GRID} />
        <XAxis {...CATEGORY_AXIS} dataKey="label" interval="preserveStartEnd" />
        <YAxis
          {...VALUE_AXIS}
          tickFormatter={(v: number) => formatMoney(v, currency, { compact: true })}
        />
        <Tooltip
          content={(props) => {
            const row = (props.payload as readonly { payload?: ComparisonRow }[] | undefined)?.[0]
              ?.payload;
            if (!props.active || !row) return null;
            return (
              <TooltipCard
                title={row.label}
                rows={bars.map((b) => ({
                  key: b.key,
                  label: b.label,
                  color: b.color,
                  value: formatMoney(row.exact[b.key], currency),
                }))}
              />
            );
          }}
        />
        <Legend {...LEGEND} />
        {bars.map((b) => (
          <Bar
            key={b.key}
            dataKey={(row: ComparisonRow) => row.values[b.key] ?? 0}
            name={b.label}
            fill={b.color}
            maxBarSize={56}
            isAnimationActive={false}
          />
        ))}
      </BarChart>
    </ChartFigure>
  );
}
