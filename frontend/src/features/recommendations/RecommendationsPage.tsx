import { useMemo } from "react";
import { Link } from "react-router";
import { describeRequest } from "@/api/client";
import { compareDecimals, isDecimalText, sumDecimals } from "@/format/decimal";
import { formatCount, formatMoney, humanize } from "@/format/format";
import { Badge } from "@/ui/Badge";
import { toneFor } from "@/ui/tone";
import { Card } from "@/ui/Card";
import { ChoiceField } from "@/ui/ChoiceField";
import { TextField } from "@/ui/Field";
import { FilterBar } from "@/ui/FilterBar";
import { Money } from "@/ui/Money";
import { PageHeader } from "@/ui/PageHeader";
import { Pagination } from "@/ui/Pagination";
import { QueryState } from "@/ui/QueryState";
import { SourceNote } from "@/ui/SourceNote";
import { Stat } from "@/ui/Stat";
import { Table, Td, Th } from "@/ui/Table";
import { oneOf, useSearchState } from "@/ui/useSearchState";
import { accountChoices, useAccounts } from "../inventory/api";
import {
  RECOMMENDATION_KINDS,
  RECOMMENDATION_STATUSES,
  useRecommendations,
  type RecommendationsQuery,
} from "./api";
import { actionSummary, shortResource } from "./describe";

const PAGE = 100;

export function RecommendationsPage() {
  const { param, offset, update, setOffset } = useSearchState();
  const status = param("status", "open");
  const kind = param("kind");
  const statusFilter = oneOf(RECOMMENDATION_STATUSES, status); // "any": no filter
  const kindFilter = oneOf(RECOMMENDATION_KINDS, kind);
  const account = param("account_id");
  const minSaving = param("min_saving");
  const accounts = useAccounts();

  const query: RecommendationsQuery = {
    limit: PAGE,
    offset,
    ...(statusFilter ? { status: statusFilter } : {}),
    ...(kindFilter ? { kind: kindFilter } : {}),
    ...(account ? { account_id: account } : {}),
  };
  const recs = useRecommendations(query);

  const visible = useMemo(() => {
    const items = recs.data?.items ?? [];
    const floor = isDecimalText(minSaving) ? minSaving : null;
    return items
      .filter((r) => floor == null || compareDecimals(r.estimated_monthly_saving, floor) >= 0)
      .sort(
        (a, b) =>
          compareDecimals(b.estimated_monthly_saving, a.estimated_monthly_saving) || a.id - b.id,
      );
  }, [recs.data, minSaving]);

  const currencies = [...new Set(visible.map((r) => r.billing_currency))].sort();

  return (
    <>
      <PageHeader
        title="Recommendations"
        description="Rightsizing and idle resources priced from the catalogue, with the utilization evidence behind each."
      />
      <FilterBar>
        <ChoiceField
          label="Status"
          value={status}
          anyValue="any"
          choices={RECOMMENDATION_STATUSES}
          onChange={(v) => {
            update({ status: v });
          }}
        />
        <ChoiceField
          label="Kind"
          value={kind}
          any="Any kind"
          choices={RECOMMENDATION_KINDS}
          onChange={(v) => {
            update({ kind: v });
          }}
        />
        <ChoiceField
          label="Account"
          value={account}
          any="Any account"
          choices={accountChoices(accounts.data?.items ?? [])}
          onChange={(v) => {
            update({ account_id: v });
          }}
        />
        <TextField
          label="Minimum monthly saving"
          inputMode="decimal"
          placeholder="e.g. 50"
          value={minSaving}
          error={minSaving && !isDecimalText(minSaving) ? "A number, e.g. 50 or 12.5" : null}
          onChange={(e) => {
            update({ min_saving: e.target.value });
          }}
          hint="Applied to the page shown"
        />
      </FilterBar>
      <QueryState query={recs} loadingRows={8}>
        {(data) => (
          <>
            <Card className="mb-4" aria-label="Summary">
              <dl className="grid grid-cols-2 gap-4 md:grid-cols-4">
                <Stat
                  label="Matching recommendations"
                  value={formatCount(data.total)}
                  testId="recs-total"
                />
                {currencies.map((c) => (
                  <Stat
                    key={c}
                    label={`Monthly saving shown (${c})`}
                    value={
                      <Money
                        value={sumDecimals(
                          visible
                            .filter((r) => r.billing_currency === c)
                            .map((r) => r.estimated_monthly_saving),
                        )}
                        currency={c}
                        testId={`recs-saving-${c}`}
                      />
                    }
                    detail={`${visible.filter((r) => r.billing_currency === c).length} on this page`}
                  />
                ))}
              </dl>
            </Card>
            <Card>
              {visible.length === 0 ? (
                <p className="text-sm text-slate-600">No recommendations match these filters.</p>
              ) : (
                <Table
                  caption="Recommendations, largest saving first"
                  testId="recommendations-table"
                >
                  <thead>
                    <tr>
                      <Th>Resource</Th>
                      <Th>Kind</Th>
                      <Th>Change</Th>
                      <Th>Account · Region</Th>
                      <Th>Risk</Th>
                      <Th>Status</Th>
                      <Th numeric>Saving / month</Th>
                    </tr>
                  </thead>
                  <tbody>
                    {visible.map((r) => (
                      <tr key={r.id} className="hover:bg-slate-50" data-recommendation-id={r.id}>
                        <Td>
                          <Link
                            to={`/recommendations/${r.id}`}
                            className="font-medium break-all text-teal-800 hover:underline"
                            title={r.resource_id}
                          >
                            {shortResource(r.resource_id)}
                          </Link>
                        </Td>
                        <Td className="whitespace-nowrap">{humanize(r.kind)}</Td>
                        <Td>{actionSummary(r)}</Td>
                        <Td className="whitespace-nowrap">
                          {r.account_id ?? "—"}
                          <div className="text-xs text-slate-600">{r.region_id ?? "—"}</div>
                        </Td>
                        <Td>
                          {r.performance_risk ? (
                            <Badge tone={toneFor(r.performance_risk)}>{r.performance_risk}</Badge>
                          ) : (
                            "—"
                          )}
                        </Td>
                        <Td>
                          <Badge tone={toneFor(r.status)}>{humanize(r.status)}</Badge>
                        </Td>
                        <Td numeric className="font-medium">
                          <Money value={r.estimated_monthly_saving} currency={r.billing_currency} />
                        </Td>
                      </tr>
                    ))}
                  </tbody>
                </Table>
              )}
              <Pagination page={data} onOffset={setOffset} />
              <SourceNote requests={[describeRequest("/recommendations", query)]} />
              <p className="mt-2 text-xs text-slate-600">
                Savings are estimates per month at the catalogue price ({formatMoney("1", "USD")} =
                one dollar of effective cost); realized savings are on the Savings page once
                applied.
              </p>
            </Card>
          </>
        )}
      </QueryState>
    </>
  );
}
