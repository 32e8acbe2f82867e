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

const CATEGORY_LABEL_CHARS = 26;

function shortLabel(label: string): string {
  return label.length > CATEGORY_LABEL_CHARS
    ? `${label.slice(0, CATEGORY_LABEL_CHARS - 1).trimEnd()}…`
    : label;
}

/**
 * Side-by-side bars per category (e.g. estimated vs realized saving per recommendation).
 * `horizontal` lays the categories down the left (every name shown, long ones shortened, in
 * full in the tooltip): for ranked rows with long names, such as services.
 */
export function ComparisonBarChart({
  rows,
  bars,
  currency,
  summary,
  height,
  horizontal = false,
  testId,
}: {
  rows: ComparisonRow[];
  bars: { key: string; label: string; color: string }[];
  currency: string;
  summary: string;
  /** Default: 260 px, or for `horizontal` enough for every category. */
  height?: number;
  horizontal?: boolean;
  testId?: string;
}) {
  const moneyTick = (v: number) => formatMoney(v, currency, { compact: true });
  const chartHeight =
    height ?? (horizontal ? Math.max(140, 56 + rows.length * (10 + bars.length * 16)) : 260);
  return (
    <ChartFigure summary={summary} height={chartHeight} testId={testId}>
      <BarChart data={rows} margin={CHART_MARGIN} layout={horizontal ? "vertical" : "horizontal"}>
        <CartesianGrid {...GRID} vertical={horizontal} horizontal={!horizontal} />
        {horizontal ? (
          <>
            <XAxis {...VALUE_AXIS} type="number" tickFormatter={moneyTick} />
            <YAxis
              {...CATEGORY_AXIS}
              type="category"
              dataKey="label"
              width={176}
              interval={0}
              tickFormatter={shortLabel}
            />
          </>
        ) : (
          <>
            <XAxis {...CATEGORY_AXIS} dataKey="label" interval="preserveStartEnd" />
            <YAxis {...VALUE_AXIS} tickFormatter={moneyTick} />
          </>
        )}
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
