import { Link } from "react-router";
import { describeRequest } from "@/api/client";
import { BandChart } from "@/charts/BandChart";
import { ComparisonBarChart } from "@/charts/ComparisonBarChart";
import { toChartNumber } from "@/format/decimal";
import { formatCount, formatDate, formatMoney, formatShortDate } from "@/format/format";
import { Card } from "@/ui/Card";
import { EmptyState } from "@/ui/EmptyState";
import { Money } from "@/ui/Money";
import { QueryState } from "@/ui/QueryState";
import { SourceNote } from "@/ui/SourceNote";
import { MoneyStat, Stat } from "@/ui/Stat";
import { Table, Td, Th } from "@/ui/Table";
import { useSavingsDaily, type SavingsDailyQuery } from "./api";
import { savingsSeries, type SavingsSeries } from "./series";

export type SavingsView = "daily" | "cumulative";

const ESTIMATED = { key: "estimated", color: "#94a3b8" } as const;
const REALIZED = { key: "realized", color: "#0f766e" } as const;

function rangeText(series: SavingsSeries): string {
  const first = series.days[0]?.day;
  const last = series.days[series.days.length - 1]?.day;
  return first && last ? formatDate(first) + (first === last ? "" : ` to ${formatDate(last)}`) : "";
}

function SeriesChart({ series, view }: { series: SavingsSeries; view: SavingsView }) {
  const { currency } = series;
  const testId = `savings-daily-chart-${currency}`;
  if (view === "daily") {
    return (
      <ComparisonBarChart
        testId={testId}
        currency={currency}
        rows={series.days.map((d) => ({
          label: formatShortDate(d.day),
          values: {
            estimated: toChartNumber(d.estimated),
            realized: toChartNumber(d.realized),
          },
          exact: {
            estimated: d.estimated,
            ...(d.realized != null ? { realized: d.realized } : {}),
          },
        }))}
        bars={[
          { ...ESTIMATED, label: "Estimated" },
          { ...REALIZED, label: "Realized" },
        ]}
        summary={`Estimated and realized saving per day in ${currency}, ${rangeText(series)}; the table below lists every day.`}
      />
    );
  }
  return (
    <BandChart
      testId={testId}
      height={260}
      points={series.days.map((d) => ({
        x: d.day,
        lines: {
          estimated: toChartNumber(d.cumulativeEstimated),
          realized: d.cumulativeRealized == null ? null : toChartNumber(d.cumulativeRealized),
        },
        bands: {},
        exact: {
          estimated: formatMoney(d.cumulativeEstimated, currency),
          ...(d.cumulativeRealized != null
            ? { realized: formatMoney(d.cumulativeRealized, currency) }
            : {}),
        },
      }))}
      lines={[
        { ...ESTIMATED, label: "Estimated to date", dashed: true },
        { ...REALIZED, label: "Realized to date" },
      ]}
      formatValue={(v) => formatMoney(v, currency)}
      formatAxis={(v) => formatMoney(v, currency, { compact: true })}
      summary={`Cumulative estimated and realized saving in ${currency}, ${rangeText(series)}; the table below lists every day.`}
    />
  );
}

function SeriesTable({ series }: { series: SavingsSeries }) {
  const { currency } = series;
  return (
    <details className="mt-3 text-sm">
      <summary className="cursor-pointer text-slate-700 select-none hover:text-slate-900">
        Day by day ({series.days.length} days)
      </summary>
      <Table
        caption={`Savings per day in ${currency}`}
        testId={`savings-daily-table-${currency}`}
        className="mt-2"
      >
        <thead>
          <tr>
            <Th>Day</Th>
            <Th numeric>Bills in</Th>
            <Th numeric>Estimated</Th>
            <Th numeric>Realized</Th>
            <Th numeric>Estimated to date</Th>
            <Th numeric>Realized to date</Th>
          </tr>
        </thead>
        <tbody>
          {series.days.map((d) => (
            <tr key={d.day} data-day={d.day}>
              <Td className="whitespace-nowrap">{formatDate(d.day)}</Td>
              <Td numeric>
                {d.billed} of {d.recommendations}
              </Td>
              <Td numeric>
                <Money value={d.estimated} currency={currency} />
              </Td>
              <Td numeric>
                {d.realized == null ? (
                  <span className="text-slate-600">bill not in</span>
                ) : (
                  <Money value={d.realized} currency={currency} />
                )}
              </Td>
              <Td numeric>
                <Money value={d.cumulativeEstimated} currency={currency} />
              </Td>
              <Td numeric>
                <Money value={d.cumulativeRealized} currency={currency} />
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </details>
  );
}

/**
 * Estimated vs realized saving day by day (`GET /savings/daily`), one chart per currency
 * (amounts in different currencies are never added), daily or cumulative.
 */
export function SavingsOverTime({
  query,
  view,
  filtered,
}: {
  query: SavingsDailyQuery;
  view: SavingsView;
  /** Whether a range or account narrows the query (for the empty state's wording). */
  filtered: boolean;
}) {
  const daily = useSavingsDaily(query);
  return (
    <div className="mb-4" data-testid="savings-daily">
      <QueryState
        query={daily}
        loadingRows={6}
        isEmpty={(d) => d.items.length === 0}
        empty={
          <Card title="Estimated vs realized over time">
            <EmptyState
              title={filtered ? "No savings tracked for these filters" : "No savings tracked yet"}
            >
              Once a recommendation is marked applied on the{" "}
              <Link to="/recommendations" className="text-teal-800 underline">
                Recommendations
              </Link>{" "}
              page, its estimated saving accrues every day and its realized saving as each day's
              bill comes in.
            </EmptyState>
            <SourceNote requests={[describeRequest("/savings/daily", query)]} />
          </Card>
        }
      >
        {(data) =>
          savingsSeries(data.items).map((series) => (
            <Card
              key={series.currency}
              className="mb-4"
              title="Estimated vs realized over time"
              description={`${series.currency} · ${view === "daily" ? "per day" : "cumulative"} · ${rangeText(series)}`}
            >
              <dl className="mb-4 grid grid-cols-2 gap-4 md:grid-cols-4">
                <MoneyStat
                  label="Estimated in the range"
                  value={series.estimated}
                  currency={series.currency}
                  testId={`savings-daily-estimated-${series.currency}`}
                />
                <MoneyStat
                  label="Realized in the range"
                  value={series.realized}
                  currency={series.currency}
                  testId={`savings-daily-realized-${series.currency}`}
                  detail="Days with a bill in"
                />
                <Stat label="Days tracked" value={formatCount(series.days.length)} />
                <Stat
                  label="Days with bills pending"
                  value={formatCount(series.incompleteDays)}
                  detail="Realized counts the bills in so far"
                />
              </dl>
              <SeriesChart series={series} view={view} />
              <SeriesTable series={series} />
              <SourceNote requests={[describeRequest("/savings/daily", query)]} />
            </Card>
          ))
        }
      </QueryState>
    </div>
  );
}
