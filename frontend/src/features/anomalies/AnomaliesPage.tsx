import { useSearchParams, Link } from "react-router";
import { describeRequest } from "@/api/client";
import { isIsoDay } from "@/calendar/days";
import { formatDateTime, formatDayRange, formatPercent, humanize } from "@/format/format";
import { Badge } from "@/ui/Badge";
import { toneFor } from "@/ui/tone";
import { Card } from "@/ui/Card";
import { SelectField, TextField } from "@/ui/Field";
import { Money } from "@/ui/Money";
import { PageHeader } from "@/ui/PageHeader";
import { Pagination } from "@/ui/Pagination";
import { QueryState } from "@/ui/QueryState";
import { SourceNote } from "@/ui/SourceNote";
import { Table, Td, Th } from "@/ui/Table";
import { ANOMALY_STATUSES, scopeLabel, useAnomalies, type AnomaliesQuery } from "./api";

const PAGE = 50;
const SCOPE_TYPES = ["total", "account", "service", "account_service"] as const;

export function AnomaliesPage() {
  const [search, setSearch] = useSearchParams();
  const status = search.get("status") ?? "open";
  const scopeType = search.get("scope_type") ?? "";
  const start = search.get("start") ?? "";
  const end = search.get("end") ?? "";
  const offset = Math.max(0, Number(search.get("offset")) || 0);

  const query: AnomaliesQuery = {
    limit: PAGE,
    offset,
    ...(status !== "any" ? { status } : {}),
    ...(scopeType ? { scope_type: scopeType } : {}),
    ...(isIsoDay(start) ? { start } : {}),
    ...(isIsoDay(end) ? { end } : {}),
  };
  const anomalies = useAnomalies(query);

  function set(name: string, value: string) {
    const next = new URLSearchParams(search);
    if (value) next.set(name, value);
    else next.delete(name);
    if (name !== "offset") next.delete("offset");
    setSearch(next);
  }

  return (
    <>
      <PageHeader
        title="Anomalies"
        description="Days when a scope's cost left its seasonal baseline, with the dollar impact and what drove it."
      />
      <Card className="mb-4" aria-label="Filters">
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
          <SelectField
            label="Status"
            value={status}
            onChange={(e) => {
              set("status", e.target.value);
            }}
          >
            <option value="any">Any</option>
            {ANOMALY_STATUSES.map((s) => (
              <option key={s} value={s}>
                {humanize(s)}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="Scope"
            value={scopeType}
            onChange={(e) => {
              set("scope_type", e.target.value);
            }}
          >
            <option value="">Any scope</option>
            {SCOPE_TYPES.map((s) => (
              <option key={s} value={s}>
                {humanize(s)}
              </option>
            ))}
          </SelectField>
          <TextField
            label="Overlapping from"
            type="date"
            value={start}
            onChange={(e) => {
              set("start", e.target.value);
            }}
          />
          <TextField
            label="Until (excluded)"
            type="date"
            value={end}
            onChange={(e) => {
              set("end", e.target.value);
            }}
          />
        </div>
      </Card>
      <Card>
        <QueryState
          query={anomalies}
          loadingRows={8}
          isEmpty={(d) => d.items.length === 0}
          empty="No anomalies match these filters"
        >
          {(data) => (
            <>
              <Table caption="Anomalies" testId="anomalies-table">
                <thead>
                  <tr>
                    <Th>Scope</Th>
                    <Th>Window</Th>
                    <Th numeric>Actual</Th>
                    <Th numeric>Expected</Th>
                    <Th numeric>Impact</Th>
                    <Th numeric>Impact %</Th>
                    <Th>Severity</Th>
                    <Th>Status</Th>
                    <Th>Detected</Th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((a) => (
                    <tr key={a.id} className="hover:bg-slate-50" data-anomaly-id={a.id}>
                      <Td>
                        <Link
                          to={`/anomalies/${a.id}`}
                          className="font-medium break-words text-teal-800 hover:underline"
                        >
                          {scopeLabel(a)}
                        </Link>
                        <div className="text-xs text-slate-600">{humanize(a.scope_type)}</div>
                      </Td>
                      <Td className="whitespace-nowrap">
                        {formatDayRange(a.start_day, a.end_day)}
                        <div className="text-xs text-slate-600">
                          {a.days} day{a.days === 1 ? "" : "s"}
                        </div>
                      </Td>
                      <Td numeric>
                        <Money value={a.actual_cost} currency={a.currency} />
                      </Td>
                      <Td numeric>
                        <Money value={a.expected_cost} currency={a.currency} />
                      </Td>
                      <Td numeric className="font-medium">
                        <Money
                          value={a.impact}
                          currency={a.currency}
                          signed
                          testId="anomaly-impact"
                        />
                      </Td>
                      <Td numeric>{formatPercent(a.impact_percent, { signed: true })}</Td>
                      <Td>
                        <Badge tone={toneFor(a.severity)}>{a.severity}</Badge>
                      </Td>
                      <Td>
                        <Badge tone={toneFor(a.status)}>{humanize(a.status)}</Badge>
                      </Td>
                      <Td className="text-xs whitespace-nowrap text-slate-600">
                        {formatDateTime(a.detected_at)}
                      </Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
              <Pagination
                offset={offset}
                limit={PAGE}
                total={null}
                shown={data.items.length}
                onOffset={(o) => {
                  set("offset", o ? String(o) : "");
                }}
              />
            </>
          )}
        </QueryState>
        <SourceNote requests={[describeRequest("/anomalies", query)]} />
      </Card>
    </>
  );
}
