import {
  Area,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ReferenceArea,
  ReferenceLine,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { formatNumber, formatShortDate } from "@/format/format";
import { ChartFigure } from "./ChartFigure";

/** One x position: lines by key, bands as [low, high] (floats, geometry only). */
export interface BandPoint {
  x: string;
  lines: Record<string, number | null>;
  bands: Record<string, [number, number] | null>;
  /** Exact API text by line/band key for the tooltip ("12.34", "10.00 – 14.00"). */
  exact: Record<string, string>;
}

export interface LineSpec {
  key: string;
  label: string;
  color: string;
  dashed?: boolean;
}

export interface BandSpec {
  key: string;
  label: string;
  color: string;
  opacity: number;
}

interface TooltipPayload {
  payload?: BandPoint;
}

/**
 * Lines with shaded [low, high] bands: forecasts with 80/95 % intervals, utilization
 * percentiles, an anomaly's window against the expected level.
 */
export function BandChart({
  points,
  lines,
  bands = [],
  summary,
  formatValue = (v) => formatNumber(v),
  formatAxis,
  highlight,
  marker,
  height = 300,
  testId,
}: {
  points: BandPoint[];
  lines: LineSpec[];
  bands?: BandSpec[];
  summary: string;
  formatValue?: (value: number) => string;
  formatAxis?: (value: number) => string;
  highlight?: { from: string; to: string; label: string };
  marker?: { x: string; label: string };
  height?: number;
  testId?: string;
}) {
  return (
    <ChartFigure summary={summary} height={height} testId={testId}>
      <ComposedChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
        <CartesianGrid vertical={false} stroke="#e2e8f0" />
        <XAxis
          dataKey="x"
          tickFormatter={(x: string) => formatShortDate(x)}
          tick={{ fontSize: 11, fill: "#475569" }}
          tickLine={false}
          minTickGap={24}
        />
        <YAxis
          tick={{ fontSize: 11, fill: "#475569" }}
          tickLine={false}
          axisLine={false}
          width={64}
          tickFormatter={formatAxis ?? formatValue}
        />
        {highlight && (
          <ReferenceArea
            x1={highlight.from}
            x2={highlight.to}
            fill="#fecaca"
            fillOpacity={0.5}
            label={{ value: highlight.label, position: "insideTop", fontSize: 11, fill: "#991b1b" }}
          />
        )}
        {marker && (
          <ReferenceLine
            x={marker.x}
            stroke="#475569"
            strokeDasharray="4 3"
            label={{
              value: marker.label,
              position: "insideTopLeft",
              fontSize: 11,
              fill: "#334155",
            }}
          />
        )}
        <Tooltip
          content={(props) => {
            const point = (props.payload as readonly TooltipPayload[] | undefined)?.[0]?.payload;
            if (!props.active || !point) return null;
            return (
              <div className="rounded-md bg-white p-2 text-xs shadow-lg ring-1 ring-slate-200">
                <p className="mb-1 font-semibold text-slate-900">{formatShortDate(point.x)}</p>
                {[...lines, ...bands].map((spec) =>
                  point.exact[spec.key] ? (
                    <p key={spec.key} className="flex justify-between gap-3">
                      <span className="text-slate-700">{spec.label}</span>
                      <span className="tabular-nums text-slate-900">{point.exact[spec.key]}</span>
                    </p>
                  ) : null,
                )}
              </div>
            );
          }}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} iconSize={10} itemSorter={null} />
        {bands.map((band) => (
          <Area
            key={band.key}
            type="monotone"
            dataKey={(p: BandPoint) => p.bands[band.key] ?? null}
            name={band.label}
            stroke="none"
            fill={band.color}
            fillOpacity={band.opacity}
            isAnimationActive={false}
            connectNulls={false}
          />
        ))}
        {lines.map((line) => (
          <Line
            key={line.key}
            type="monotone"
            dataKey={(p: BandPoint) => p.lines[line.key] ?? null}
            name={line.label}
            stroke={line.color}
            strokeWidth={2}
            strokeDasharray={line.dashed ? "5 4" : undefined}
            dot={false}
            isAnimationActive={false}
            connectNulls={false}
          />
        ))}
      </ComposedChart>
    </ChartFigure>
  );
}
