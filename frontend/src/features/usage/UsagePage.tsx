import { useMemo } from "react";
import { useSearchParams } from "react-router";
import { describeRequest } from "@/api/client";
import { addDays, isIsoDay, todayUtc } from "@/calendar/days";
import { formatNumber, humanize } from "@/format/format";
import { Card } from "@/ui/Card";
import { cn } from "@/ui/cn";
import { SelectField, TextField } from "@/ui/Field";
import { LoadingState } from "@/ui/LoadingState";
import { ErrorState } from "@/ui/ErrorState";
import { PageHeader } from "@/ui/PageHeader";
import { Pagination } from "@/ui/Pagination";
import { QueryState } from "@/ui/QueryState";
import { SourceNote } from "@/ui/SourceNote";
import { Table, Td, Th } from "@/ui/Table";
import { shortResource } from "../recommendations/describe";
import {
  byMetric,
  useAccounts,
  useResources,
  useResourceUsage,
  type ResourcesQuery,
  type UsageRow,
} from "../inventory/api";
import { UsageMetricChart } from "../inventory/UsageMetricChart";

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
  if (usage.isPending) return <LoadingState rows={6} />;
  if (usage.isError) return <ErrorState error={usage.error} />;
  const metrics = byMetric(usage.data);
  if (metrics.size === 0)
    return (
      <p className="text-sm text-slate-600">
        No utilization stored for this resource in the range.
      </p>
    );
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
          {[...metrics.entries()].map(([metric, rows]) => {
            const s = windowStats(rows);
            return (
              <tr key={metric}>
                <Td>{metric}</Td>
                <Td>{rows[0]?.unit ?? "—"}</Td>
                <Td numeric>{formatNumber(s.mean, 2)}</Td>
                <Td numeric>{formatNumber(s.p95, 2)}</Td>
                <Td numeric>{formatNumber(s.p995, 2)}</Td>
                <Td numeric>{formatNumber(s.max, 2)}</Td>
                <Td numeric>{rows.length}</Td>
              </tr>
            );
          })}
        </tbody>
      </Table>
      <div className="mt-4 grid grid-cols-1 gap-4 lg:grid-cols-2">
        {[...metrics.entries()].map(([metric, rows]) => (
          <div key={metric}>
            <h3 className="mb-1 text-xs font-semibold text-slate-700">{metric}</h3>
            <UsageMetricChart metric={metric} rows={rows} height={200} />
          </div>
        ))}
      </div>
      <SourceNote requests={[describeRequest("/usage", { start, end, resource, limit: 1000 })]} />
    </>
  );
}

export function UsagePage() {
  const [search, setSearch] = useSearchParams();
  const today = todayUtc();
  const start = isIsoDay(search.get("start"))
    ? (search.get("start") as string)
    : addDays(today, -14);
  const end = isIsoDay(search.get("end")) ? (search.get("end") as string) : today;
  const account = search.get("account") ?? "";
  const resourceType = search.get("resource_type") ?? "";
  const selected = search.get("resource");
  const offset = Math.max(0, Number(search.get("offset")) || 0);
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

  function set(name: string, value: string) {
    const next = new URLSearchParams(search);
    if (value) next.set(name, value);
    else next.delete(name);
    if (name !== "offset" && name !== "resource") next.delete("offset");
    setSearch(next);
  }

  return (
    <>
      <PageHeader
        title="Usage"
        description="Per-resource utilization from CloudWatch and agents: daily percentiles, the evidence rightsizing uses."
      />
      <Card className="mb-4" aria-label="Filters">
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
          <TextField
            label="Start (included)"
            type="date"
            value={start}
            max={end}
            onChange={(e) => {
              set("start", e.target.value);
            }}
          />
          <TextField
            label="End (excluded)"
            type="date"
            value={end}
            min={start}
            onChange={(e) => {
              set("end", e.target.value);
            }}
          />
          <SelectField
            label="Account"
            value={account}
            onChange={(e) => {
              set("account", e.target.value);
            }}
          >
            <option value="">Any account</option>
            {(accounts.data?.items ?? []).map((a) => (
              <option key={a.account_id} value={a.account_id}>
                {a.account_id}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="Resource type"
            value={resourceType}
            onChange={(e) => {
              set("resource_type", e.target.value);
            }}
          >
            <option value="">Any type</option>
            {[...new Set([...types, ...(resourceType ? [resourceType] : [])])].map((t) => (
              <option key={t} value={t}>
                {humanize(t)}
              </option>
            ))}
          </SelectField>
        </div>
      </Card>
      <div className="grid grid-cols-1 gap-4 xl:grid-cols-5">
        <Card title="Resources" className="xl:col-span-2">
          <QueryState
            query={resources}
            loadingRows={8}
            isEmpty={(d) => d.items.length === 0}
            empty="No resources match"
          >
            {(data) => (
              <>
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
                              set("resource", r.resource_id);
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
                <Pagination
                  offset={offset}
                  limit={PAGE}
                  total={data.total}
                  shown={data.items.length}
                  onOffset={(o) => {
                    set("offset", o ? String(o) : "");
                  }}
                />
              </>
            )}
          </QueryState>
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
