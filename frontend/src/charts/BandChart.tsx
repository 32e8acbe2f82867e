import {
  Area,
  Bar,
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
import { CATEGORY_AXIS, CHART_MARGIN, GRID, LEGEND, VALUE_AXIS } from "./chartStyle";
import { TooltipCard } from "./TooltipCard";

/** One x position: lines and bars by key, bands as [low, high] (floats, geometry only). */
export interface BandPoint {
  x: string;
  lines: Record<string, number | null>;
  bands: Record<string, [number, number] | null>;
  /** Stacked bars by key (a point usually has one: e.g. "actual" or "actual on an anomaly day"). */
  bars?: Record<string, number | null>;
  /** Exact API text by line/band/bar key for the tooltip ("12.34", "10.00 – 14.00"). */
  exact: Record<string, string>;
}

export interface LineSpec {
  key: string;
  label: string;
  color: string;
  dashed?: boolean;
}

export interface BarSpec {
  key: string;
  label: string;
  color: string;
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
 * Lines with shaded [low, high] bands, optionally over bars: forecasts with 80/95 % intervals,
 * utilization percentiles, an anomaly's daily cost against the detector's expected band.
 */
export function BandChart({
  points,
  lines,
  bands = [],
  bars = [],
  summary,
  formatValue = (v) => formatNumber(v),
  formatAxis,
  formatX = formatShortDate,
  highlight,
  marker,
  height = 300,
  testId,
}: {
  points: BandPoint[];
  lines: LineSpec[];
  bands?: BandSpec[];
  bars?: BarSpec[];
  summary: string;
  formatValue?: (value: number) => string;
  formatAxis?: (value: number) => string;
  /** The x labels and tooltip titles (default: "Nov 27"; e.g. formatMonth for months). */
  formatX?: (x: string) => string;
  highlight?: { from: string; to: string; label: string };
  marker?: { x: string; label: string };
  height?: number;
  testId?: string;
}) {
  return (
    <ChartFigure summary={summary} height={height} testId={testId}>
      <ComposedChart data={points} margin={CHART_MARGIN}>
        <CartesianGrid {...GRID} />
        <XAxis
          {...CATEGORY_AXIS}
          dataKey="x"
          tickFormatter={(x: string) => formatX(x)}
          minTickGap={24}
        />
        <YAxis {...VALUE_AXIS} tickFormatter={formatAxis ?? formatValue} />
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
              <TooltipCard
                title={formatX(point.x)}
                rows={[...bars, ...lines, ...bands]
                  .filter((spec) => point.exact[spec.key])
                  .map((spec) => ({
                    key: spec.key,
                    label: spec.label,
                    color: spec.color,
                    value: point.exact[spec.key] ?? "",
                  }))}
              />
            );
          }}
        />
        <Legend {...LEGEND} />
        {bars.map((bar) => (
          <Bar
            key={bar.key}
            dataKey={(p: BandPoint) => p.bars?.[bar.key] ?? null}
            name={bar.label}
            stackId="bars"
            fill={bar.color}
            isAnimationActive={false}
          />
        ))}
        {bands.map((band) => (
          <Area
            key={band.key}
            type="monotone"
            dataKey={(p: BandPoint) => p.bands[band.key] ?? null}
            name={band.label}
            stroke="none"
            fill={band.color}
            fillOpacity={band.opacity}
            // over the bars (Recharts draws areas under them by default): a band reads as a
            // range the bars fall in or out of
            zIndex={bars.length ? 350 : undefined}
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
            // A line needs two points; fewer are drawn as dots.
            dot={points.length <= 2 ? { r: 3 } : false}
            isAnimationActive={false}
            connectNulls={false}
          />
        ))}
      </ComposedChart>
    </ChartFigure>
  );
}
