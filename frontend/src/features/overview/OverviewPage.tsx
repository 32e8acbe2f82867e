import { Fragment } from "react";
import { Link } from "react-router";
import { describeRequest } from "@/api/client";
import { StackedBars } from "@/charts/StackedBars";
import { addDays } from "@/calendar/days";
import { compareDecimals, isNegativeDecimal, toChartNumber } from "@/format/decimal";
import {
  formatDate,
  formatDayRange,
  formatMoney,
  formatPercent,
  formatRatio,
  humanize,
} from "@/format/format";
import { Badge } from "@/ui/Badge";
import { toneFor } from "@/ui/tone";
import { Card } from "@/ui/Card";
import { cn } from "@/ui/cn";
import { EmptyState } from "@/ui/EmptyState";
import { Money } from "@/ui/Money";
import { PageHeader } from "@/ui/PageHeader";
import { ProgressBar } from "@/ui/ProgressBar";
import { QueryState } from "@/ui/QueryState";
import { SourceNote } from "@/ui/SourceNote";
import { MoneyStat, Stat } from "@/ui/Stat";
import { Table, Td, Th } from "@/ui/Table";
import { scopeLabel, useAnomalies } from "../anomalies/api";
import { AskBox } from "../ask/AskBox";
import { useBudgets } from "../budgets/api";
import { useCosts, useCostSummary } from "../costs/api";
import { buildChartRows, buildSeries } from "../costs/costRows";
import { serializeCostView } from "../costs/costView";
import { useMonthEndProjection } from "../forecasts/api";
import { isTopMovers, useInsights } from "../insights/api";
import { useRecommendations } from "../recommendations/api";
import { useSavings } from "../savings/api";
import { OPEN_ANOMALIES, OPEN_RECOMMENDATIONS, TREND_DAYS, trendQuery } from "./queries";

function linkClass() {
  return "text-sm font-medium text-teal-800 hover:underline";
}

function MonthToDate() {
  const summary = useCostSummary();
  const projection = useMonthEndProjection();
  return (
    <Card aria-label="Month to date" className="lg:col-span-3">
      <QueryState query={summary} loadingRows={3}>
        {(data) => {
          const usd = data.currencies[0];
          if (!usd) return <EmptyState title="No spend recorded yet" />;
          const rising = !isNegativeDecimal(usd.change) && compareDecimals(usd.change, "0") !== 0;
          return (
            <dl className="grid grid-cols-1 gap-5 sm:grid-cols-2 xl:grid-cols-4">
              <Stat
                label={`Month to date (${formatDayRange(data.month_to_date.start, data.month_to_date.end)})`}
                value={<Money value={usd.month_to_date} currency={usd.currency} testId="mtd" />}
                detail={
                  <span className={cn(rising ? "text-red-700" : "text-emerald-700")}>
                    {formatMoney(usd.change, usd.currency, { signed: true })} (
                    {formatPercent(usd.change_percent, { signed: true })}) vs same days last month
                  </span>
                }
              />
              <MoneyStat
                label={`Same span last month (${formatDayRange(data.previous_same_span.start, data.previous_same_span.end)})`}
                value={usd.previous_same_span}
                currency={usd.currency}
                testId="previous-span"
              />
              <MoneyStat
                label={`Last month (${formatDayRange(data.previous_month.start, data.previous_month.end)})`}
                value={usd.previous_month}
                currency={usd.currency}
                testId="previous-month"
              />
              {projection.isPending ? (
                <Stat label="End-of-month forecast" value="…" />
              ) : projection.isError ? (
                <Stat label="End-of-month forecast" value="—" detail="No forecast stored yet" />
              ) : (
                <Stat
                  label="End-of-month forecast"
                  value={
                    <Money
                      value={projection.data.projected}
                      currency={projection.data.currency}
                      testId="projected"
                    />
                  }
                  detail={
                    <>
                      80%: {formatMoney(projection.data.lower_80, projection.data.currency)} –{" "}
                      {formatMoney(projection.data.upper_80, projection.data.currency)}
                      <br />
                      95%: {formatMoney(projection.data.lower_95, projection.data.currency)} –{" "}
                      {formatMoney(projection.data.upper_95, projection.data.currency)} ·{" "}
                      {humanize(projection.data.model)}
                    </>
                  }
                />
              )}
            </dl>
          );
        }}
      </QueryState>
      <SourceNote
        requests={[describeRequest("/costs/summary"), describeRequest("/projections/month-end")]}
      />
    </Card>
  );
}

function DailyTrend() {
  const query = trendQuery();
  const costs = useCosts(query);
  const explorerLink = `/costs?${serializeCostView({
    start: query.start,
    end: query.end,
    granularity: "day",
    groupBy: ["service"],
    filters: {},
    metric: "effective",
    limit: 5,
  }).toString()}`;
  return (
    <Card
      title={`Daily effective cost, last ${TREND_DAYS} days`}
      description="Top 5 services per day, the rest as Other"
      actions={
        <Link to={explorerLink} className={linkClass()}>
          Explore
        </Link>
      }
      className="lg:col-span-3"
    >
      <QueryState
        query={costs}
        loadingRows={6}
        isEmpty={(d) => d.rows.length === 0}
        empty="No cost in the last 30 days"
      >
        {(data) => {
          // One currency per chart (amounts in different currencies are never added): the
          // first the API reports; the Cost explorer switches between them.
          const currency = data.totals[0]?.currency ?? "USD";
          const inCurrency = data.rows.filter((r) => r.currency === currency);
          const series = buildSeries(inCurrency, ["service"], "effective");
          const rows = buildChartRows(inCurrency, ["service"], "effective", "day");
          return (
            <StackedBars
              rows={rows}
              series={series}
              currency={currency}
              height={260}
              summary={`Daily effective cost by service for the last ${TREND_DAYS} days.`}
            />
          );
        }}
      </QueryState>
      <SourceNote requests={[describeRequest("/costs", query)]} />
    </Card>
  );
}

function Budgets() {
  const budgets = useBudgets();
  return (
    <Card
      title="Budgets"
      actions={
        <Link to="/budgets" className={linkClass()}>
          All budgets
        </Link>
      }
    >
      <QueryState query={budgets} isEmpty={(d) => d.items.length === 0} empty="No budgets yet">
        {(data) => (
          <ul className="space-y-4" data-testid="overview-budgets">
            {data.items.slice(0, 5).map((b) => (
              <li key={b.budget.id}>
                <div className="mb-1 text-sm">
                  <p className="font-medium break-words text-slate-800">{b.budget.name}</p>
                  <p className="tabular-nums text-slate-700">
                    <Money value={b.actual} currency={b.budget.currency} /> /{" "}
                    <Money value={b.budget.amount} currency={b.budget.currency} />
                  </p>
                </div>
                <ProgressBar
                  label={`${b.budget.name}: ${formatPercent(b.actual_percent)} spent, forecast ${formatPercent(b.forecast_percent)}`}
                  percent={toChartNumber(b.actual_percent)}
                  marker={toChartNumber(b.forecast_percent)}
                />
                <p className="mt-1 text-xs text-slate-600">
                  {formatPercent(b.actual_percent)} spent · forecast{" "}
                  <Money value={b.forecast} currency={b.budget.currency} /> (
                  {formatPercent(b.forecast_percent)}) by {formatDate(addDays(b.period_end, -1))}
                </p>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <SourceNote requests={[describeRequest("/budgets")]} />
    </Card>
  );
}

function OpenAnomalies() {
  const query = OPEN_ANOMALIES;
  const anomalies = useAnomalies(query);
  return (
    <Card
      title="Open anomalies"
      actions={
        <Link to="/anomalies" className={linkClass()}>
          All anomalies
        </Link>
      }
    >
      <QueryState query={anomalies} isEmpty={(d) => d.items.length === 0} empty="No open anomalies">
        {(data) => {
          const top = [...data.items]
            .sort((a, b) => compareDecimals(b.impact, a.impact))
            .slice(0, 5);
          return (
            <ul className="divide-y divide-slate-100" data-testid="overview-anomalies">
              {top.map((a) => (
                <li key={a.id} className="flex items-center justify-between gap-3 py-2 text-sm">
                  <span className="min-w-0">
                    <Link
                      to={`/anomalies/${a.id}`}
                      className="block font-medium break-words text-teal-800 hover:underline"
                    >
                      {scopeLabel(a)}
                    </Link>
                    <span className="text-xs text-slate-600">
                      {formatDayRange(a.start_day, a.end_day)}
                    </span>
                  </span>
                  <span className="flex shrink-0 items-center gap-2">
                    <Badge tone={toneFor(a.severity)}>{a.severity}</Badge>
                    <Money value={a.impact} currency={a.currency} signed className="font-medium" />
                  </span>
                </li>
              ))}
            </ul>
          );
        }}
      </QueryState>
      <SourceNote requests={[describeRequest("/anomalies", query)]} />
    </Card>
  );
}

function TopMovers() {
  const insights = useInsights();
  return (
    <Card
      title="Top movers"
      actions={
        <Link to="/insights" className={linkClass()}>
          Insights
        </Link>
      }
    >
      <QueryState
        query={insights}
        isEmpty={(d) => !d.items.some(isTopMovers)}
        empty="No movers computed yet (insights run daily)"
      >
        {(data) => {
          const movers = data.items.filter(isTopMovers);
          const service =
            movers.find((m) => m.data.dimension === "service" && m.data.window_days === 7) ??
            movers[0];
          if (!service) return null;
          const entries = [...service.data.rising, ...service.data.falling].slice(0, 6);
          return (
            <>
              <p className="mb-2 text-xs text-slate-600">
                {humanize(service.data.dimension)}, {formatDayRange(...service.data.current_window)}{" "}
                vs the {service.data.window_days} days before
              </p>
              <Table caption="Top movers" testId="overview-movers">
                <thead>
                  <tr>
                    <Th>{humanize(service.data.dimension)}</Th>
                    <Th numeric>Change</Th>
                    <Th numeric>%</Th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((m) => (
                    <tr key={m.key}>
                      <Td className="break-words">{m.key}</Td>
                      <Td
                        numeric
                        className={
                          isNegativeDecimal(m.change) ? "text-emerald-700" : "text-red-700"
                        }
                      >
                        <Money value={m.change} currency={service.data.currency} signed />
                      </Td>
                      <Td numeric>{formatPercent(m.change_percent, { signed: true })}</Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            </>
          );
        }}
      </QueryState>
      <SourceNote requests={[describeRequest("/insights")]} />
    </Card>
  );
}

function BiggestRecommendations() {
  const query = OPEN_RECOMMENDATIONS;
  const recs = useRecommendations(query);
  return (
    <Card
      title="Biggest open recommendations"
      actions={
        <Link to="/recommendations" className={linkClass()}>
          All recommendations
        </Link>
      }
    >
      <QueryState
        query={recs}
        isEmpty={(d) => d.items.length === 0}
        empty="No open recommendations"
      >
        {(data) => (
          <>
            <p className="mb-2 text-xs text-slate-600">{data.total} open in total</p>
            <ul className="divide-y divide-slate-100" data-testid="overview-recommendations">
              {[...data.items]
                .sort((a, b) =>
                  compareDecimals(b.estimated_monthly_saving, a.estimated_monthly_saving),
                )
                .slice(0, 5)
                .map((r) => (
                  <li key={r.id} className="flex items-center justify-between gap-3 py-2 text-sm">
                    <span className="min-w-0">
                      <Link
                        to={`/recommendations/${r.id}`}
                        className="block truncate font-medium text-teal-800 hover:underline"
                        title={r.resource_id}
                      >
                        {r.resource_id.split(/[:/]/).pop()}
                      </Link>
                      <span className="text-xs text-slate-600">
                        {humanize(r.kind)} · {r.account_id ?? "—"}
                      </span>
                    </span>
                    <span className="shrink-0 font-medium">
                      <Money value={r.estimated_monthly_saving} currency={r.billing_currency} />
                      <span className="text-xs font-normal text-slate-600">/mo</span>
                    </span>
                  </li>
                ))}
            </ul>
          </>
        )}
      </QueryState>
      <SourceNote requests={[describeRequest("/recommendations", query)]} />
    </Card>
  );
}

function Savings() {
  const savings = useSavings();
  return (
    <Card
      title="Savings realized vs estimated"
      actions={
        <Link to="/savings" className={linkClass()}>
          Savings
        </Link>
      }
    >
      <QueryState
        query={savings}
        isEmpty={(d) => d.totals.length === 0}
        empty={
          <EmptyState title="No applied recommendations yet">
            Mark a recommendation applied and its realized savings are measured from later bills.
          </EmptyState>
        }
      >
        {(data) => (
          <dl className="grid grid-cols-2 gap-4" data-testid="overview-savings">
            {data.totals.map((t) => (
              <Fragment key={t.billing_currency}>
                <Stat
                  label="Realized to date"
                  value={
                    <Money
                      value={t.realized_to_date}
                      currency={t.billing_currency}
                      testId={`overview-savings-realized-${t.billing_currency}`}
                    />
                  }
                  detail={`${formatRatio(t.realization_rate)} of estimate`}
                />
                <Stat
                  label="Estimated to date"
                  value={<Money value={t.estimated_to_date} currency={t.billing_currency} />}
                  detail={`${t.recommendations} applied · ${formatMoney(t.estimated_monthly_saving, t.billing_currency)}/mo`}
                />
              </Fragment>
            ))}
          </dl>
        )}
      </QueryState>
      <SourceNote requests={[describeRequest("/savings")]} />
    </Card>
  );
}

export function OverviewPage() {
  return (
    <>
      <PageHeader
        title="Overview"
        description="Where spend stands this month, and what needs attention."
        actions={<AskBox />}
        actionsClassName="w-full sm:w-auto"
      />
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
        <MonthToDate />
        <DailyTrend />
        <Budgets />
        <OpenAnomalies />
        <Savings />
        <TopMovers />
        <div className="lg:col-span-2">
          <BiggestRecommendations />
        </div>
      </div>
    </>
  );
}
