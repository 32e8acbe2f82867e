import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { formatMoney } from "@/format/format";
import { ChartFigure } from "./ChartFigure";

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
      <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
        <CartesianGrid vertical={false} stroke="#e2e8f0" />
        <XAxis
          dataKey="label"
          tick={{ fontSize: 11, fill: "#475569" }}
          tickLine={false}
          interval="preserveStartEnd"
        />
        <YAxis
          tick={{ fontSize: 11, fill: "#475569" }}
          tickLine={false}
          axisLine={false}
          width={64}
          tickFormatter={(v: number) => formatMoney(v, currency, { compact: true })}
        />
        <Tooltip
          content={(props) => {
            const row = (props.payload as readonly { payload?: ComparisonRow }[] | undefined)?.[0]
              ?.payload;
            if (!props.active || !row) return null;
            return (
              <div className="rounded-md bg-white p-2 text-xs shadow-lg ring-1 ring-slate-200">
                <p className="mb-1 font-semibold text-slate-900">{row.label}</p>
                {bars.map((b) => (
                  <p key={b.key} className="flex justify-between gap-3">
                    <span className="text-slate-700">{b.label}</span>
                    <span className="tabular-nums">{formatMoney(row.exact[b.key], currency)}</span>
                  </p>
                ))}
              </div>
            );
          }}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} iconSize={10} itemSorter={null} />
        {bars.map((b) => (
          <Bar
            key={b.key}
            dataKey={(row: ComparisonRow) => row.values[b.key] ?? 0}
            name={b.label}
            fill={b.color}
            isAnimationActive={false}
          />
        ))}
      </BarChart>
    </ChartFigure>
  );
}
