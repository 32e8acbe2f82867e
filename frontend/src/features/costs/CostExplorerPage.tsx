import { useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import { describeRequest } from "@/api/client";
import { StackedCostChart } from "@/charts/StackedCostChart";
import { compareDecimals, percentOf } from "@/format/decimal";
import { formatCount, formatDayRange, formatMoney, formatPercent } from "@/format/format";
import { Button } from "@/ui/Button";
import { Card } from "@/ui/Card";
import { DateRangeFields } from "@/ui/DateRangeFields";
import { SelectField } from "@/ui/Field";
import { Money } from "@/ui/Money";
import { PageHeader } from "@/ui/PageHeader";
import { QueryState } from "@/ui/QueryState";
import { SegmentedControl } from "@/ui/SegmentedControl";
import { SourceNote } from "@/ui/SourceNote";
import { MoneyStat, Stat } from "@/ui/Stat";
import { SortableTh, Table, Td, Th, type SortDirection } from "@/ui/Table";
import { useCosts, useTagKeys } from "./api";
import {
  buildChartRows,
  buildSeries,
  groupKey,
  groupLabel,
  OTHER_KEY,
  periodLabel,
  type CostRow,
} from "./costRows";
import {
  costsQuery,
  dimensionLabel,
  MAX_GROUP_BY,
  parseCostView,
  presetRange,
  RANGE_PRESETS,
  serializeCostView,
  type CostView,
  type Granularity,
  type Metric,
  type RangePreset,
} from "./costView";
import { costRowsToCsv, downloadText } from "./csv";
import { DimensionOptions } from "./DimensionOptions";
import { FilterDialog } from "./FilterDialog";

const METRIC_OPTIONS = [
  { value: "effective", label: "Effective" },
  { value: "billed", label: "Billed" },
  { value: "list", label: "List" },
] as const;

const METRIC_HELP: Record<Metric, string> = {
  effective: "Amortised: commitments spread over usage, after discounts.",
  billed: "What the invoice charges, as billed.",
  list: "On-demand public price, before any discount.",
};

const GRANULARITY_OPTIONS = [
  { value: "day", label: "Daily" },
  { value: "month", label: "Monthly" },
  { value: "total", label: "Total" },
] as const;

const TOP_OPTIONS = [5, 10, 20, 50];

const TOTAL_FIGURES = [
  { metric: "effective", label: "Effective" },
  { metric: "billed", label: "Billed" },
  { metric: "list", label: "List (on-demand)" },
] as const;

type SortKey = "label" | "billed" | "effective" | "list";

/** Effective, billed and list amounts of a row or total: three numeric cells. */
function AmountCells({
  amounts,
  currency,
}: {
  amounts: Record<(typeof TOTAL_FIGURES)[number]["metric"], string>;
  currency: string;
}) {
  return (
    <>
      {TOTAL_FIGURES.map((f) => (
        <Td key={f.metric} numeric>
          <Money value={amounts[f.metric]} currency={currency} />
        </Td>
      ))}
    </>
  );
}

function withoutKey<T>(record: Record<string, T>, key: string): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => k !== key));
}

export function CostExplorerPage() {
  const [search, setSearch] = useSearchParams();
  const view = useMemo(() => parseCostView(search), [search]);
  const [filterOpen, setFilterOpen] = useState<string | null>(null);
  const [currency, setCurrency] = useState<string | null>(null);
  const [tableMode, setTableMode] = useState<"groups" | "periods">("groups");
  const [sort, setSort] = useState<{ key: SortKey; direction: SortDirection }>({
    key: view.metric,
    direction: "desc",
  });
  const [copied, setCopied] = useState(false);

  const seriesQuery = costsQuery(view);
  const totalsQuery = costsQuery(view, { granularity: null });
  const series = useCosts(seriesQuery);
  const totals = useCosts(totalsQuery);
  const tagKeys = useTagKeys();

  function update(patch: Partial<CostView>) {
    setSearch(serializeCostView({ ...view, ...patch }), { replace: false });
  }

  const currencies = totals.data?.totals.map((t) => t.currency) ?? [];
  const activeCurrency =
    currency && currencies.includes(currency) ? currency : (currencies[0] ?? "USD");

  // Derived on each render: a few thousand rows at most (12 months x top 50), cheap next to
  // the request, and the React compiler lint prefers it to hand-written memoization here.
  // While a new grouping loads, the previous answer stays on screen: its rows are read with the
  // grouping they were made with (the API echoes its query), not the one just chosen.
  const seriesGroupBy = series.data?.query.group_by ?? view.groupBy;
  const totalsGroupBy = totals.data?.query.group_by ?? view.groupBy;
  const currencyRows = (series.data?.rows ?? []).filter((r) => r.currency === activeCurrency);
  const chart = {
    series: buildSeries(currencyRows, seriesGroupBy, view.metric),
    rows: buildChartRows(currencyRows, seriesGroupBy, view.metric, view.granularity),
  };

  const direction = sort.direction === "asc" ? 1 : -1;
  const groupRows = (totals.data?.rows ?? [])
    .filter((r) => r.currency === activeCurrency)
    .sort((a, b) => {
      if (a.is_other !== b.is_other) return a.is_other ? 1 : -1;
      if (sort.key === "label") {
        return direction * groupLabel(a, totalsGroupBy).localeCompare(groupLabel(b, totalsGroupBy));
      }
      return direction * compareDecimals(a[sort.key], b[sort.key]);
    });

  const currencyTotal = totals.data?.totals.find((t) => t.currency === activeCurrency);
  const colourOf = new Map(chart.series.map((s) => [s.key, s.color]));

  function toggleSort(key: SortKey) {
    setSort((s) => ({ key, direction: s.key === key && s.direction === "desc" ? "asc" : "desc" }));
  }

  function exportCsv() {
    if (!series.data) return;
    const name = `costs_${view.start}_${view.end}_${view.granularity}_${view.groupBy.join("+") || "total"}.csv`;
    downloadText(costRowsToCsv(series.data.rows, seriesGroupBy), name.replace(/[^\w.+-]/g, "_"));
  }

  async function copyLink() {
    try {
      await navigator.clipboard.writeText(window.location.href);
      setCopied(true);
      setTimeout(() => {
        setCopied(false);
      }, 2000);
    } catch {
      setCopied(false);
    }
  }

  function drillInto(row: CostRow) {
    if (row.is_other || totalsGroupBy.length === 0) return;
    const filters = { ...view.filters };
    totalsGroupBy.forEach((d) => {
      filters[d] = [row.keys[d] ?? "null"];
    });
    const used = new Set(totalsGroupBy);
    const next = (["service", "account", "region", "usage_type", "resource"] as const).find(
      (d) => !used.has(d) && !filters[d],
    );
    update({ filters, groupBy: next ? [next] : view.groupBy });
  }

  const filterEntries = Object.entries(view.filters).filter(([, values]) => values.length);

  return (
    <>
      <PageHeader
        title="Cost explorer"
        description={`${formatDayRange(view.start, view.end)} · ${METRIC_HELP[view.metric]}`}
        actions={
          <>
            <Button onClick={() => void copyLink()} aria-live="polite">
              {copied ? "Link copied" : "Copy link"}
            </Button>
            <Button variant="primary" onClick={exportCsv} disabled={!series.data}>
              Export CSV
            </Button>
          </>
        }
      />

      <Card className="mb-4" aria-label="Query">
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4 xl:grid-cols-6">
          <SelectField
            label="Range"
            value={
              RANGE_PRESETS.find((p) => {
                const range = presetRange(p.id);
                return range.start === view.start && range.end === view.end;
              })?.id ?? ""
            }
            onChange={(e) => {
              if (e.target.value) update(presetRange(e.target.value as RangePreset));
            }}
          >
            <option value="">Custom…</option>
            {RANGE_PRESETS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </SelectField>
          <DateRangeFields
            start={view.start}
            end={view.end}
            onChange={(patch) => {
              const range = { start: patch.start ?? view.start, end: patch.end ?? view.end };
              // The API needs both days, start before end: an incomplete edit changes nothing.
              if (range.start && range.end && range.start < range.end) update(range);
            }}
          />
          <SelectField
            label="Top groups"
            value={view.limit}
            onChange={(e) => {
              update({ limit: Number(e.target.value) });
            }}
            hint="Per period; the rest fold into Other"
          >
            {[...new Set([...TOP_OPTIONS, view.limit])]
              .sort((a, b) => a - b)
              .map((n) => (
                <option key={n} value={n}>
                  Top {n}
                </option>
              ))}
          </SelectField>
          {Array.from({ length: Math.min(view.groupBy.length + 1, MAX_GROUP_BY) }, (_, i) => (
            <SelectField
              key={i}
              label={i === 0 ? "Group by" : `Then by`}
              value={view.groupBy[i] ?? ""}
              onChange={(e) => {
                const next = [...view.groupBy];
                if (e.target.value) next[i] = e.target.value;
                else next.splice(i);
                update({ groupBy: [...new Set(next)] });
              }}
            >
              <option value="">{i === 0 ? "No grouping" : "—"}</option>
              <DimensionOptions
                tagKeys={tagKeys.data ?? []}
                current={view.groupBy}
                isDisabled={(d) => view.groupBy.includes(d) && view.groupBy[i] !== d}
              />
            </SelectField>
          ))}
        </div>
        <div className="mt-3 flex flex-wrap items-end gap-4">
          <SegmentedControl
            label="Granularity"
            value={view.granularity}
            options={GRANULARITY_OPTIONS}
            onChange={(g: Granularity) => {
              update({ granularity: g });
            }}
          />
          <SegmentedControl
            label="Cost"
            value={view.metric}
            options={METRIC_OPTIONS}
            onChange={(m: Metric) => {
              update({ metric: m });
              setSort({ key: m, direction: "desc" });
            }}
          />
          {currencies.length > 1 && (
            <SelectField
              label="Currency"
              value={activeCurrency}
              onChange={(e) => {
                setCurrency(e.target.value);
              }}
              hint="Currencies are never added together"
            >
              {currencies.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </SelectField>
          )}
        </div>
        <div className="mt-3 flex flex-wrap items-center gap-2" aria-label="Filters">
          <span className="text-xs font-medium text-slate-700">Filters:</span>
          {filterEntries.length === 0 && <span className="text-xs text-slate-600">none</span>}
          {filterEntries.map(([dimension, values]) => (
            <span
              key={dimension}
              className="inline-flex items-center gap-1 rounded-full bg-teal-50 py-0.5 pr-1 pl-2.5 text-xs text-teal-900 ring-1 ring-teal-200"
            >
              <button
                type="button"
                className="max-w-[22rem] truncate hover:underline"
                onClick={() => {
                  setFilterOpen(dimension);
                }}
              >
                {dimensionLabel(dimension)}:{" "}
                {values.map((v) => (v === "null" ? "(none)" : v)).join(", ")}
              </button>
              <button
                type="button"
                className="rounded-full px-1.5 hover:bg-teal-100"
                aria-label={`Remove filter ${dimensionLabel(dimension)}`}
                onClick={() => {
                  update({ filters: withoutKey(view.filters, dimension) });
                }}
              >
                ✕
              </button>
            </span>
          ))}
          <Button
            size="sm"
            onClick={() => {
              setFilterOpen(view.groupBy[0] ?? "service");
            }}
          >
            Add filter
          </Button>
        </div>
      </Card>

      {filterOpen != null && (
        <FilterDialog
          key={filterOpen}
          open
          view={view}
          tagKeys={tagKeys.data ?? []}
          initialDimension={filterOpen}
          onClose={() => {
            setFilterOpen(null);
          }}
          onApply={(dimension, values) => {
            const filters = withoutKey(view.filters, dimension);
            update({ filters: values.length ? { ...filters, [dimension]: values } : filters });
            setFilterOpen(null);
          }}
        />
      )}

      <Card className="mb-4" aria-label="Totals">
        <QueryState query={totals} loadingRows={2}>
          {() => (
            <dl className="grid grid-cols-2 gap-4 md:grid-cols-4">
              {TOTAL_FIGURES.map((f) => (
                <MoneyStat
                  key={f.metric}
                  label={f.label}
                  value={currencyTotal?.[f.metric]}
                  currency={activeCurrency}
                  testId={`total-${f.metric}`}
                />
              ))}
              <Stat
                label="Line items"
                value={formatCount(currencyTotal?.line_items)}
                detail={`${formatCount(currencyTotal?.fact_count)} daily facts`}
              />
            </dl>
          )}
        </QueryState>
      </Card>

      <Card
        className="mb-4"
        title={`${METRIC_OPTIONS.find((m) => m.value === view.metric)?.label ?? ""} cost${
          view.groupBy.length ? ` by ${view.groupBy.map(dimensionLabel).join(", ")}` : ""
        }`}
        description={activeCurrency}
      >
        <div aria-busy={series.isFetching || undefined}>
          <QueryState
            query={series}
            loadingRows={6}
            isEmpty={(d) => d.rows.length === 0}
            empty="No cost in this range for these filters"
          >
            {() => (
              <StackedCostChart
                rows={chart.rows}
                series={chart.series}
                currency={activeCurrency}
                height={view.granularity === "total" ? 240 : 320}
                summary={`Stacked ${view.metric} cost per ${view.granularity} from ${view.start} to ${view.end}, ${chart.series.length} groups; the table below lists the figures.`}
              />
            )}
          </QueryState>
        </div>
        <SourceNote requests={[describeRequest("/costs", seriesQuery)]} />
      </Card>

      <Card
        title="Breakdown"
        actions={
          <SegmentedControl
            label="Table"
            value={tableMode}
            options={[
              { value: "groups", label: "Groups over range" },
              { value: "periods", label: "By period" },
            ]}
            onChange={setTableMode}
          />
        }
      >
        {tableMode === "groups" ? (
          <QueryState
            query={totals}
            isEmpty={(d) => d.rows.length === 0}
            empty="No cost in this range for these filters"
          >
            {() => (
              <>
                <Table caption="Cost per group over the whole range" testId="cost-groups-table">
                  <thead>
                    <tr>
                      <SortableTh
                        label={
                          view.groupBy.length
                            ? view.groupBy.map(dimensionLabel).join(" · ")
                            : "Scope"
                        }
                        active={sort.key === "label"}
                        direction={sort.direction}
                        onSort={() => {
                          toggleSort("label");
                        }}
                      />
                      {(["effective", "billed", "list"] as const).map((m) => (
                        <SortableTh
                          key={m}
                          numeric
                          label={METRIC_OPTIONS.find((o) => o.value === m)?.label ?? m}
                          active={sort.key === m}
                          direction={sort.direction}
                          onSort={() => {
                            toggleSort(m);
                          }}
                        />
                      ))}
                      <Th numeric>Share</Th>
                      <Th numeric>Line items</Th>
                    </tr>
                  </thead>
                  <tbody>
                    {groupRows.map((row) => {
                      const key = groupKey(row, totalsGroupBy);
                      return (
                        <tr key={key} className="hover:bg-slate-50" data-group={key}>
                          <Td>
                            <span className="flex items-center gap-2">
                              <span
                                aria-hidden="true"
                                className="inline-block size-2.5 shrink-0 rounded-sm"
                                style={{ background: colourOf.get(key) ?? "transparent" }}
                              />
                              {row.is_other || totalsGroupBy.length === 0 ? (
                                <span>{groupLabel(row, totalsGroupBy)}</span>
                              ) : (
                                <button
                                  type="button"
                                  className="text-left break-all text-teal-800 hover:underline"
                                  title="Filter to this group and break it down further"
                                  onClick={() => {
                                    drillInto(row);
                                  }}
                                >
                                  {groupLabel(row, totalsGroupBy)}
                                </button>
                              )}
                            </span>
                          </Td>
                          <AmountCells amounts={row} currency={row.currency} />
                          <Td numeric>
                            {currencyTotal
                              ? formatPercent(
                                  percentOf(row[view.metric], currencyTotal[view.metric]),
                                )
                              : "—"}
                          </Td>
                          <Td numeric>{formatCount(row.line_items)}</Td>
                        </tr>
                      );
                    })}
                  </tbody>
                  {currencyTotal && (
                    <tfoot>
                      <tr className="font-semibold">
                        <Td>Total ({activeCurrency})</Td>
                        <AmountCells amounts={currencyTotal} currency={activeCurrency} />
                        <Td numeric>100%</Td>
                        <Td numeric>{formatCount(currencyTotal.line_items)}</Td>
                      </tr>
                    </tfoot>
                  )}
                </Table>
                <SourceNote requests={[describeRequest("/costs", totalsQuery)]} />
              </>
            )}
          </QueryState>
        ) : (
          <QueryState query={series} isEmpty={(d) => d.rows.length === 0} empty="No cost rows">
            {(data) => (
              <Table caption="Cost rows as the API returned them" testId="cost-periods-table">
                <thead>
                  <tr>
                    <Th>Period</Th>
                    <Th>Group</Th>
                    <Th numeric>Effective</Th>
                    <Th numeric>Billed</Th>
                    <Th numeric>List</Th>
                  </tr>
                </thead>
                <tbody>
                  {data.rows
                    .filter((r) => r.currency === activeCurrency)
                    .slice(0, 2000)
                    .map((row) => (
                      <tr key={`${row.period_start}-${groupKey(row, seriesGroupBy)}`}>
                        <Td className="whitespace-nowrap">
                          {view.granularity === "total"
                            ? formatDayRange(row.period_start, row.period_end)
                            : periodLabel(row.period_start, view.granularity)}
                        </Td>
                        <Td className="break-all">
                          {groupKey(row, seriesGroupBy) === OTHER_KEY
                            ? "Other"
                            : groupLabel(row, seriesGroupBy)}
                        </Td>
                        <AmountCells amounts={row} currency={row.currency} />
                      </tr>
                    ))}
                </tbody>
              </Table>
            )}
          </QueryState>
        )}
      </Card>
      <p className="mt-3 text-xs text-slate-600">
        Amounts are exact sums from the API ({formatMoney("0.01", activeCurrency)} rounding for
        display only; hover a figure for every decimal). The CSV carries the exact decimals.
      </p>
    </>
  );
}
