import { useState, type KeyboardEvent } from "react";
import { formatMoney } from "@/format/format";
import { niceTicks } from "./niceTicks";
import type { CostChartRow, CostSeries } from "./StackedCostChart";
import { TooltipCard } from "./TooltipCard";
import { useElementWidth } from "./useElementWidth";

const AXIS_WIDTH = 56;
const X_AXIS_HEIGHT = 22;
const TOP = 8;

/**
 * A light stacked bar chart in plain SVG for the Overview: no chart library on the first
 * screen. Hover or focus it and use the arrow keys to read each period's exact figures.
 */
export function StackedBars({
  rows,
  series,
  currency,
  summary,
  height = 240,
}: {
  rows: CostChartRow[];
  series: CostSeries[];
  currency: string;
  summary: string;
  height?: number;
}) {
  const { ref, width } = useElementWidth<HTMLDivElement>();
  const [active, setActive] = useState<number | null>(null);
  const totals = rows.map((r) => series.reduce((sum, s) => sum + (r.values[s.key] ?? 0), 0));
  const ticks = niceTicks(Math.max(0, ...totals));
  const top = ticks.at(-1) ?? 1;
  const plotWidth = Math.max(10, width - AXIS_WIDTH);
  const plotHeight = height - TOP - X_AXIS_HEIGHT;
  const slot = plotWidth / Math.max(1, rows.length);
  const barWidth = Math.max(1, slot * 0.78);
  const y = (value: number) => TOP + plotHeight - (value / top) * plotHeight;
  const labelEvery = Math.max(1, Math.ceil(rows.length / Math.max(1, Math.floor(plotWidth / 70))));
  const current = active == null ? null : rows[active];

  function onKeyDown(event: KeyboardEvent) {
    if (rows.length === 0) return;
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault();
      const step = event.key === "ArrowRight" ? 1 : -1;
      setActive((i) =>
        Math.min(rows.length - 1, Math.max(0, (i ?? (step > 0 ? -1 : rows.length)) + step)),
      );
    } else if (event.key === "Escape") {
      setActive(null);
    }
  }

  return (
    <figure className="m-0" data-testid="cost-chart">
      <figcaption className="sr-only">
        {summary} Focus the chart and use the arrow keys to read each day.
      </figcaption>
      <div
        ref={ref}
        className="relative w-full rounded focus-visible:outline-2 focus-visible:outline-teal-600"
        style={{ height }}
        tabIndex={0}
        role="group"
        aria-label={summary}
        onKeyDown={onKeyDown}
        onBlur={() => {
          setActive(null);
        }}
        onMouseLeave={() => {
          setActive(null);
        }}
      >
        <svg width={width} height={height} aria-hidden="true" className="block">
          {ticks.map((t) => (
            <g key={t}>
              <line x1={AXIS_WIDTH} x2={width} y1={y(t)} y2={y(t)} stroke="#e2e8f0" />
              <text
                x={AXIS_WIDTH - 6}
                y={y(t)}
                dy="0.32em"
                textAnchor="end"
                fontSize={11}
                fill="#475569"
              >
                {formatMoney(t, currency, { compact: true })}
              </text>
            </g>
          ))}
          {rows.map((row, i) => {
            let base = 0;
            const x = AXIS_WIDTH + i * slot + (slot - barWidth) / 2;
            return (
              <g
                key={row.period}
                onMouseEnter={() => {
                  setActive(i);
                }}
              >
                <rect
                  x={AXIS_WIDTH + i * slot}
                  y={TOP}
                  width={slot}
                  height={plotHeight}
                  fill={active === i ? "rgba(15,118,110,0.08)" : "transparent"}
                />
                {series.map((s) => {
                  const value = row.values[s.key] ?? 0;
                  if (value <= 0) return null;
                  const y0 = y(base);
                  base += value;
                  return (
                    <rect
                      key={s.key}
                      x={x}
                      width={barWidth}
                      y={y(base)}
                      height={Math.max(0, y0 - y(base))}
                      fill={s.color}
                    />
                  );
                })}
                {i % labelEvery === 0 && (
                  <text
                    x={x + barWidth / 2}
                    y={height - 6}
                    textAnchor="middle"
                    fontSize={11}
                    fill="#475569"
                  >
                    {row.label.replace(/, \d{4}$/, "")}
                  </text>
                )}
              </g>
            );
          })}
        </svg>
        {current && active != null && (
          <TooltipCard
            className="pointer-events-none absolute top-2 z-10"
            style={
              AXIS_WIDTH + active * slot > width / 2
                ? { right: width - (AXIS_WIDTH + active * slot) + 8 }
                : { left: AXIS_WIDTH + (active + 1) * slot + 8 }
            }
            title={`${current.label} · ${formatMoney(current.total, currency)}`}
            rows={series
              .filter((s) => current.exact[s.key] != null)
              .map((s) => ({
                key: s.key,
                label: s.label,
                color: s.color,
                value: formatMoney(current.exact[s.key], currency),
              }))}
          />
        )}
      </div>
      <p className="sr-only" aria-live="polite">
        {current ? `${current.label}: ${formatMoney(current.total, currency)} in total` : ""}
      </p>
      <ul className="mt-2 flex flex-wrap justify-center gap-x-4 gap-y-1 text-xs text-slate-700">
        {series.map((s) => (
          <li key={s.key} className="flex items-center gap-1.5">
            <span
              aria-hidden="true"
              className="inline-block size-2.5 rounded-sm"
              style={{ background: s.color }}
            />
            {s.label}
          </li>
        ))}
      </ul>
    </figure>
  );
}
