import { Link } from "react-router";
import { describeRequest } from "@/api/client";
import { isIsoDay } from "@/calendar/days";
import { ComparisonBarChart } from "@/charts/ComparisonBarChart";
import { toChartNumber } from "@/format/decimal";
import { formatCount, formatDate, formatMoney, formatRatio, humanize } from "@/format/format";
import { Card } from "@/ui/Card";
import { ChoiceField } from "@/ui/ChoiceField";
import { DateRangeFields } from "@/ui/DateRangeFields";
import { EmptyState } from "@/ui/EmptyState";
import { FilterBar } from "@/ui/FilterBar";
import { Money } from "@/ui/Money";
import { PageHeader } from "@/ui/PageHeader";
import { QueryState } from "@/ui/QueryState";
import { SegmentedControl } from "@/ui/SegmentedControl";
import { SourceNote } from "@/ui/SourceNote";
import { MoneyStat, Stat } from "@/ui/Stat";
import { Table, Td, Th } from "@/ui/Table";
import { useSearchState } from "@/ui/useSearchState";
import { shortResource } from "../recommendations/describe";
import { useSavings, type SavingsDailyQuery } from "./api";
import { SavingsOverTime, type SavingsView } from "./SavingsOverTime";

const VIEWS = [
  { value: "daily", label: "Per day" },
  { value: "cumulative", label: "Cumulative" },
] as const;

export function SavingsPage() {
  const { param, update } = useSearchState();
  const account = param("account_id");
  const start = param("start");
  const end = param("end");
  const view: SavingsView = param("view") === "cumulative" ? "cumulative" : "daily";
  // Every account with applied recommendations (the page's own answer when no account is set).
  const accounts = useSavings();
  const savings = useSavings(account ? { account_id: account } : {});
  const dailyQuery: SavingsDailyQuery = {
    ...(isIsoDay(start) ? { start } : {}),
    ...(isIsoDay(end) && (!isIsoDay(start) || start < end) ? { end } : {}),
    ...(account ? { account_id: account } : {}),
  };
  const accountIds = [
    ...new Set((accounts.data?.accounts ?? []).map((a) => a.account_id ?? "")),
  ].filter(Boolean);

  return (
    <>
      <PageHeader
        title="Savings"
        description="Estimated vs realized savings of applied recommendations, measured from later bills against each resource's baseline."
      />
      <FilterBar>
        <ChoiceField
          label="Account"
          value={account}
          any="Every account"
          choices={accountIds}
          onChange={(v) => {
            update({ account_id: v });
          }}
        />
        <DateRangeFields
          start={start}
          end={end}
          startLabel="Days from (included)"
          endLabel="Until (excluded)"
          onChange={update}
        />
        <SegmentedControl
          label="Over time"
          value={view}
          options={VIEWS}
          onChange={(v) => {
            update({ view: v === "cumulative" ? v : null });
          }}
        />
      </FilterBar>
      <SavingsOverTime
        query={dailyQuery}
        view={view}
        filtered={Object.keys(dailyQuery).length > 0}
      />
      <QueryState
        query={savings}
        loadingRows={8}
        isEmpty={(d) => d.recommendations.length === 0}
        empty={
          <Card>
            <EmptyState title="No applied recommendations yet">
              Mark a recommendation applied on the{" "}
              <Link to="/recommendations" className="text-teal-800 underline">
                Recommendations
              </Link>{" "}
              page: its baseline is recorded and realized savings accrue from the following bills.
            </EmptyState>
            <SourceNote
              requests={[describeRequest("/savings", account ? { account_id: account } : {})]}
            />
          </Card>
        }
      >
        {(data) => (
          <>
            {data.totals.map((t) => (
              <Card
                key={t.billing_currency}
                className="mb-4"
                title={`Totals (${t.billing_currency})`}
              >
                <dl className="grid grid-cols-2 gap-4 md:grid-cols-5">
                  <Stat label="Applied recommendations" value={formatCount(t.recommendations)} />
                  <MoneyStat
                    label="Estimated per month"
                    value={t.estimated_monthly_saving}
                    currency={t.billing_currency}
                  />
                  <MoneyStat
                    label="Estimated to date"
                    value={t.estimated_to_date}
                    currency={t.billing_currency}
                    testId="savings-estimated"
                  />
                  <MoneyStat
                    label="Realized to date"
                    value={t.realized_to_date}
                    currency={t.billing_currency}
                    testId="savings-realized"
                  />
                  <Stat label="Realization rate" value={formatRatio(t.realization_rate)} />
                </dl>
              </Card>
            ))}
            {data.totals.map((t) => {
              const recs = data.recommendations.filter(
                (r) => r.billing_currency === t.billing_currency,
              );
              return (
                <Card
                  key={`chart-${t.billing_currency}`}
                  className="mb-4"
                  title="Estimated vs realized, per recommendation"
                  description={`To date, ${t.billing_currency}`}
                >
                  <ComparisonBarChart
                    testId="savings-chart"
                    currency={t.billing_currency}
                    rows={recs.map((r) => ({
                      label: `#${r.recommendation_id}`,
                      values: {
                        estimated: toChartNumber(r.estimated_to_date),
                        realized: toChartNumber(r.realized_to_date),
                      },
                      exact: { estimated: r.estimated_to_date, realized: r.realized_to_date },
                    }))}
                    bars={[
                      { key: "estimated", label: "Estimated to date", color: "#94a3b8" },
                      { key: "realized", label: "Realized to date", color: "#0f766e" },
                    ]}
                    summary="Estimated and realized savings to date for each applied recommendation."
                  />
                </Card>
              );
            })}
            <Card className="mb-4" title="Per recommendation">
              <Table caption="Savings per applied recommendation" testId="savings-table">
                <thead>
                  <tr>
                    <Th>Recommendation</Th>
                    <Th>Applied</Th>
                    <Th numeric>Baseline / day</Th>
                    <Th numeric>Estimated / month</Th>
                    <Th numeric>Days tracked</Th>
                    <Th numeric>Estimated to date</Th>
                    <Th numeric>Realized to date</Th>
                    <Th numeric>Rate</Th>
                  </tr>
                </thead>
                <tbody>
                  {data.recommendations.map((r) => (
                    <tr
                      key={r.recommendation_id}
                      data-testid={`savings-row-${r.recommendation_id}`}
                    >
                      <Td>
                        <Link
                          to={`/recommendations/${r.recommendation_id}`}
                          className="font-medium text-teal-800 hover:underline"
                        >
                          #{r.recommendation_id} {shortResource(r.resource_id)}
                        </Link>
                        <div className="text-xs text-slate-600">
                          {humanize(r.kind)} · {r.account_id ?? "—"}
                        </div>
                      </Td>
                      <Td className="whitespace-nowrap">{formatDate(r.applied_on)}</Td>
                      <Td numeric>
                        <Money value={r.baseline_daily_cost} currency={r.billing_currency} />
                      </Td>
                      <Td numeric>
                        <Money value={r.estimated_monthly_saving} currency={r.billing_currency} />
                      </Td>
                      <Td numeric>
                        {r.days_tracked}
                        {r.last_day && (
                          <div className="text-xs text-slate-600">to {formatDate(r.last_day)}</div>
                        )}
                      </Td>
                      <Td numeric>
                        <Money
                          value={r.estimated_to_date}
                          currency={r.billing_currency}
                          testId={`savings-row-estimated-${r.recommendation_id}`}
                        />
                      </Td>
                      <Td numeric className="font-medium">
                        <Money
                          value={r.realized_to_date}
                          currency={r.billing_currency}
                          testId={`savings-row-realized-${r.recommendation_id}`}
                        />
                      </Td>
                      <Td numeric>
                        <span
                          data-testid={`savings-row-rate-${r.recommendation_id}`}
                          data-value={r.realization_rate ?? undefined}
                        >
                          {formatRatio(r.realization_rate)}
                        </span>
                      </Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            </Card>
            <Card title="Per account">
              <Table caption="Savings per account and currency" testId="savings-accounts-table">
                <thead>
                  <tr>
                    <Th>Account</Th>
                    <Th numeric>Applied</Th>
                    <Th numeric>Estimated / month</Th>
                    <Th numeric>Estimated to date</Th>
                    <Th numeric>Realized to date</Th>
                    <Th numeric>Rate</Th>
                  </tr>
                </thead>
                <tbody>
                  {data.accounts.map((a) => (
                    <tr key={`${a.account_id ?? ""}-${a.billing_currency}`}>
                      <Td>{a.account_id ?? "—"}</Td>
                      <Td numeric>{a.recommendations}</Td>
                      <Td numeric>{formatMoney(a.estimated_monthly_saving, a.billing_currency)}</Td>
                      <Td numeric>{formatMoney(a.estimated_to_date, a.billing_currency)}</Td>
                      <Td numeric>{formatMoney(a.realized_to_date, a.billing_currency)}</Td>
                      <Td numeric>{formatRatio(a.realization_rate)}</Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
              <SourceNote
                requests={[describeRequest("/savings", account ? { account_id: account } : {})]}
              />
            </Card>
          </>
        )}
      </QueryState>
    </>
  );
}
