import { useMemo } from "react";
import { describeRequest } from "@/api/client";
import { addDays, isIsoDay, todayUtc } from "@/calendar/days";
import { formatNumber } from "@/format/format";
import { Card } from "@/ui/Card";
import { ChoiceField } from "@/ui/ChoiceField";
import { cn } from "@/ui/cn";
import { DateRangeFields } from "@/ui/DateRangeFields";
import { FilterBar } from "@/ui/FilterBar";
import { PageHeader } from "@/ui/PageHeader";
import { PagedQueryState } from "@/ui/Pagination";
import { QueryState } from "@/ui/QueryState";
import { SourceNote } from "@/ui/SourceNote";
import { Table, Td, Th } from "@/ui/Table";
import { useSearchState } from "@/ui/useSearchState";
import { shortResource } from "../recommendations/describe";
import {
  byMetric,
  useAccounts,
  useResources,
  useResourceUsage,
  type ResourcesQuery,
  type UsageRow,
} from "../inventory/api";
import { UsageMetricCharts } from "../inventory/UsageMetricChart";

const PAGE = 50;

/** Window figures of one metric: sample-weighted mean, highest daily P95/P99.5, max. */
function windowStats(rows: UsageRow[]) {
  let samples = 0;
  let weighted = 0;
  let p95 = -Infinity;
  let p995 = -Infinity;
  let max = -Infinity;
  for (const r of rows) {
    if (r.avg != null) {
      weighted += Number(r.avg) * r.samples;
      samples += r.samples;
    }
    if (r.p95 != null) p95 = Math.max(p95, Number(r.p95));
    if (r.p99_5 != null) p995 = Math.max(p995, Number(r.p99_5));
    if (r.max != null) max = Math.max(max, Number(r.max));
  }
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    mean: samples ? weighted / samples : null,
    p95: finite(p95),
    p995: finite(p995),
    max: finite(max),
    samples,
  };
}

function ResourceUsage({ resource, start, end }: { resource: string; start: string; end: string }) {
  const usage = useResourceUsage(resource, start, end);
  return (
    <>
      <QueryState
        query={usage}
        loadingRows={6}
        isEmpty={(rows) => rows.length === 0}
        empty="No utilization stored for this resource in the range"
      >
        {(rows) => {
          const metrics = byMetric(rows);
          return (
            <>
              <Table caption="Utilization over the range per metric" testId="usage-stats-table">
                <thead>
                  <tr>
                    <Th>Metric</Th>
                    <Th>Unit</Th>
                    <Th numeric>Mean</Th>
                    <Th numeric>Peak daily P95</Th>
                    <Th numeric>Peak daily P99.5</Th>
                    <Th numeric>Max</Th>
                    <Th numeric>Days</Th>
                  </tr>
                </thead>
                <tbody>
                  {[...metrics.entries()].map(([metric, metricRows]) => {
                    const s = windowStats(metricRows);
                    return (
                      <tr key={metric}>
                        <Td>{metric}</Td>
                        <Td>{metricRows[0]?.unit ?? "—"}</Td>
                        <Td numeric>{formatNumber(s.mean, 2)}</Td>
                        <Td numeric>{formatNumber(s.p95, 2)}</Td>
                        <Td numeric>{formatNumber(s.p995, 2)}</Td>
                        <Td numeric>{formatNumber(s.max, 2)}</Td>
                        <Td numeric>{metricRows.length}</Td>
                      </tr>
                    );
                  })}
                </tbody>
              </Table>
              <div className="mt-4">
                <UsageMetricCharts metrics={metrics} />
              </div>
            </>
          );
        }}
      </QueryState>
      <SourceNote requests={[describeRequest("/usage", { start, end, resource, limit: 1000 })]} />
    </>
  );
}

export function UsagePage() {
  const { param, offset, update, setOffset } = useSearchState({ keepPage: ["resource"] });
  const today = todayUtc();
  const start = isIsoDay(param("start")) ? param("start") : addDays(today, -14);
  const end = isIsoDay(param("end")) ? param("end") : today;
  const account = param("account");
  const resourceType = param("resource_type");
  const selected = param("resource") || null;
  const accounts = useAccounts();
  const query: ResourcesQuery = {
    limit: PAGE,
    offset,
    ...(account ? { account } : {}),
    ...(resourceType ? { resource_type: resourceType } : {}),
  };
  const resources = useResources(query);
  const types = useMemo(
    () =>
      [
        ...new Set(
          (resources.data?.items ?? []).map((r) => r.resource_type).filter((t): t is string => !!t),
        ),
      ].sort(),
    [resources.data],
  );

  return (
    <>
      <PageHeader
        title="Usage"
        description="Per-resource utilization from CloudWatch and agents: daily percentiles, the evidence rightsizing uses."
      />
      <FilterBar>
        <DateRangeFields start={start} end={end} onChange={update} />
        <ChoiceField
          label="Account"
          value={account}
          any="Any account"
          choices={(accounts.data?.items ?? []).map((a) => a.account_id)}
          onChange={(v) => {
            update({ account: v });
          }}
        />
        <ChoiceField
          label="Resource type"
          value={resourceType}
          any="Any type"
          choices={types}
          onChange={(v) => {
            update({ resource_type: v });
          }}
        />
      </FilterBar>
      <div className="grid grid-cols-1 gap-4 xl:grid-cols-5">
        <Card title="Resources" className="xl:col-span-2">
          <PagedQueryState query={resources} empty="No resources match" onOffset={setOffset}>
            {(data) => (
              <Table
                caption="Resources; choose one to see its utilization"
                testId="resources-table"
              >
                <thead>
                  <tr>
                    <Th>Resource</Th>
                    <Th>Type</Th>
                    <Th>Account · Region</Th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((r) => (
                    <tr
                      key={r.resource_id}
                      className={cn(
                        r.resource_id === selected ? "bg-teal-50" : "hover:bg-slate-50",
                      )}
                    >
                      <Td>
                        <button
                          type="button"
                          className="text-left font-medium break-all text-teal-800 hover:underline"
                          title={r.resource_id}
                          aria-pressed={r.resource_id === selected}
                          onClick={() => {
                            update({ resource: r.resource_id });
                          }}
                        >
                          {r.name ?? shortResource(r.resource_id)}
                        </button>
                        {r.instance_type && (
                          <div className="text-xs text-slate-600">{r.instance_type}</div>
                        )}
                      </Td>
                      <Td>{r.resource_type ?? "—"}</Td>
                      <Td className="whitespace-nowrap">
                        {r.account_id ?? "—"}
                        <div className="text-xs text-slate-600">{r.region_id ?? "—"}</div>
                      </Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            )}
          </PagedQueryState>
          <SourceNote requests={[describeRequest("/resources", query)]} />
        </Card>
        <Card
          title={selected ? shortResource(selected) : "Utilization"}
          description={selected ?? "Choose a resource"}
          className="xl:col-span-3"
        >
          {selected ? (
            <ResourceUsage resource={selected} start={start} end={end} />
          ) : (
            <p className="text-sm text-slate-600">
              Choose a resource on the left to chart its daily percentiles.
            </p>
          )}
        </Card>
      </div>
    </>
  );
}
