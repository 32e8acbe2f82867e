/**
 * `GET /anomalies/{id}/band` as chart points: the API's exact decimal text becomes floats for
 * geometry only; every figure a person reads (tooltip, table) is formatted from the text.
 */
import type { BandPoint } from "@/charts/BandChart";
import { toChartNumber } from "@/format/decimal";
import { formatMoney } from "@/format/format";
import type { AnomalyBand } from "./api";

export const BAND_KEYS = {
  actual: "actual",
  anomalyDay: "anomalyDay",
  expected: "expected",
  band: "band",
} as const;

type Point = AnomalyBand["points"][number];

/** "$75.02 – $122.13", or null during the detector's warm-up. */
export function bandRange(point: Point, currency: string): string | null {
  if (point.lower == null || point.upper == null) return null;
  return `${formatMoney(point.lower, currency)} – ${formatMoney(point.upper, currency)}`;
}

export function bandChartPoints(band: AnomalyBand): BandPoint[] {
  const { currency } = band;
  return band.points.map((p) => {
    const bar = p.in_anomaly ? BAND_KEYS.anomalyDay : BAND_KEYS.actual;
    const range = bandRange(p, currency);
    return {
      x: p.day,
      bars: { [bar]: toChartNumber(p.actual) },
      lines: { [BAND_KEYS.expected]: p.expected == null ? null : toChartNumber(p.expected) },
      bands: {
        [BAND_KEYS.band]:
          p.lower != null && p.upper != null
            ? [toChartNumber(p.lower), toChartNumber(p.upper)]
            : null,
      },
      exact: {
        [bar]: formatMoney(p.actual, currency),
        ...(p.expected != null ? { [BAND_KEYS.expected]: formatMoney(p.expected, currency) } : {}),
        ...(range ? { [BAND_KEYS.band]: range } : {}),
      },
    };
  });
}

/** First and last anomaly day shown (the chart shades between them), or null. */
export function anomalyDays(band: AnomalyBand): { from: string; to: string } | null {
  const days = band.points.filter((p) => p.in_anomaly).map((p) => p.day);
  const from = days[0];
  const to = days[days.length - 1];
  return from && to ? { from, to } : null;
}
