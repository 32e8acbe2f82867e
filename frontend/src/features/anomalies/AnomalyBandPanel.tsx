import { Link } from "react-router";
import { addDays } from "@/calendar/days";
import { BandChart } from "@/charts/BandChart";
import { formatDate, formatMoney } from "@/format/format";
import { Badge } from "@/ui/Badge";
import { Money } from "@/ui/Money";
import { QueryState } from "@/ui/QueryState";
import { SourceNote } from "@/ui/SourceNote";
import { Table, Td, Th } from "@/ui/Table";
import { serializeCostView } from "../costs/costView";
import { scopeFilter, scopeLabel, useAnomalyBand, type Anomaly, type AnomalyBand } from "./api";
import { anomalyDays, BAND_KEYS, bandChartPoints, bandRange } from "./band";

/** The same scope, days and charges (usage, effective) in the Cost explorer, by service. */
function explorerLink(anomaly: Anomaly, band: AnomalyBand): string | null {
  const filter = scopeFilter(anomaly);
  const first = band.points[0];
  const last = band.points[band.points.length - 1];
  if (!filter || !first || !last) return null;
  const filters = Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, [v]]));
  const search = serializeCostView({
    start: first.day,
    end: addDays(last.day, 1),
    granularity: "day",
    groupBy:
      anomaly.scope_type === "service" || anomaly.scope_type === "account_service"
        ? ["usage_type"]
        : ["service"],
    filters: { ...filters, charge_category: ["Usage"] },
    metric: "effective",
    limit: 10,
  });
  return `/costs?${search.toString()}`;
}

function BandTable({ band }: { band: AnomalyBand }) {
  return (
    <details className="mt-3 text-sm">
      <summary className="cursor-pointer text-slate-700 select-none hover:text-slate-900">
        Day by day ({band.points.length} days)
      </summary>
      <Table caption="Daily cost, expected value and band" testId="band-table" className="mt-2">
        <thead>
          <tr>
            <Th>Day</Th>
            <Th numeric>Actual</Th>
            <Th numeric>Expected</Th>
            <Th numeric>Band (lower – upper)</Th>
            <Th>
              <span className="sr-only">Anomaly day</span>
            </Th>
          </tr>
        </thead>
        <tbody>
          {band.points.map((p) => (
            <tr key={p.day} data-day={p.day} className={p.in_anomaly ? "bg-red-50" : undefined}>
              <Td className="whitespace-nowrap">{formatDate(p.day)}</Td>
              <Td numeric>
                <Money value={p.actual} currency={band.currency} testId="band-actual" />
              </Td>
              <Td numeric>
                <Money value={p.expected} currency={band.currency} />
              </Td>
              <Td numeric>{bandRange(p, band.currency) ?? "— (warm-up)"}</Td>
              <Td>{p.in_anomaly && <Badge tone="bad">anomaly</Badge>}</Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </details>
  );
}

/**
 * The scope's daily cost from four weeks before the anomaly to a week after, against the value
 * the detector expected and its band (both from past days only), the anomaly's days in red.
 */
export function AnomalyBandPanel({ anomaly }: { anomaly: Anomaly }) {
  const band = useAnomalyBand(anomaly.id);
  return (
    <>
      <QueryState
        query={band}
        loadingRows={6}
        isEmpty={(d) => d.points.length === 0}
        empty="No daily cost stored for this scope around the anomaly"
      >
        {(data) => {
          const window = anomalyDays(data);
          const link = explorerLink(anomaly, data);
          const first = data.points[0]?.day ?? anomaly.start_day;
          const last = data.points[data.points.length - 1]?.day ?? anomaly.end_day;
          return (
            <>
              <BandChart
                testId="anomaly-band-chart"
                points={bandChartPoints(data)}
                bars={[
                  { key: BAND_KEYS.actual, label: "Actual", color: "#94a3b8" },
                  { key: BAND_KEYS.anomalyDay, label: "Actual, anomaly day", color: "#dc2626" },
                ]}
                lines={[
                  { key: BAND_KEYS.expected, label: "Expected", color: "#0f766e", dashed: true },
                ]}
                bands={[
                  { key: BAND_KEYS.band, label: "Expected band", color: "#14b8a6", opacity: 0.3 },
                ]}
                highlight={window ? { ...window, label: "anomaly" } : undefined}
                formatValue={(v) => formatMoney(v, data.currency)}
                formatAxis={(v) => formatMoney(v, data.currency, { compact: true })}
                summary={`Daily usage cost of ${scopeLabel(anomaly)} from ${formatDate(first)} to ${formatDate(last)}: ${data.points.length} days, the ${anomaly.days} anomaly day(s) in red, against the expected value and band; the table under the chart lists every day.`}
              />
              <BandTable band={data} />
              {link && (
                <p className="mt-2 text-xs">
                  <Link to={link} className="font-medium text-teal-800 hover:underline">
                    These days in the Cost explorer
                  </Link>
                </p>
              )}
            </>
          );
        }}
      </QueryState>
      <SourceNote requests={[`GET /api/v1/anomalies/${anomaly.id}/band`]} />
    </>
  );
}
