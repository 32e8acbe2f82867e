import { Link } from "react-router";
import { describeRequest } from "@/api/client";
import { isIsoDay } from "@/calendar/days";
import { formatDateTime, formatDayRange, formatPercent, humanize } from "@/format/format";
import { Badge } from "@/ui/Badge";
import { toneFor } from "@/ui/tone";
import { Card } from "@/ui/Card";
import { ChoiceField } from "@/ui/ChoiceField";
import { DateRangeFields } from "@/ui/DateRangeFields";
import { FilterBar } from "@/ui/FilterBar";
import { Money } from "@/ui/Money";
import { PageHeader } from "@/ui/PageHeader";
import { PagedQueryState } from "@/ui/Pagination";
import { SourceNote } from "@/ui/SourceNote";
import { Table, Td, Th } from "@/ui/Table";
import { oneOf, useSearchState } from "@/ui/useSearchState";
import { ANOMALY_STATUSES, scopeLabel, useAnomalies, type AnomaliesQuery } from "./api";

const PAGE = 50;
const SCOPE_TYPES = ["total", "account", "service", "account_service"] as const;

export function AnomaliesPage() {
  const { param, offset, update, setOffset } = useSearchState();
  const status = param("status", "open");
  const statusFilter = oneOf(ANOMALY_STATUSES, status); // "any": no filter
  const scopeType = param("scope_type");
  const start = param("start");
  const end = param("end");

  const query: AnomaliesQuery = {
    limit: PAGE,
    offset,
    ...(statusFilter ? { status: statusFilter } : {}),
    ...(scopeType ? { scope_type: scopeType } : {}),
    ...(isIsoDay(start) ? { start } : {}),
    ...(isIsoDay(end) ? { end } : {}),
  };
  const anomalies = useAnomalies(query);

  return (
    <>
      <PageHeader
        title="Anomalies"
        description="Days when a scope's cost left its seasonal baseline, with the dollar impact and what drove it."
      />
      <FilterBar>
        <ChoiceField
          label="Status"
          value={status}
          anyValue="any"
          choices={ANOMALY_STATUSES}
          onChange={(v) => {
            update({ status: v });
          }}
        />
        <ChoiceField
          label="Scope"
          value={scopeType}
          any="Any scope"
          choices={SCOPE_TYPES}
          onChange={(v) => {
            update({ scope_type: v });
          }}
        />
        <DateRangeFields
          start={start}
          end={end}
          startLabel="Overlapping from"
          endLabel="Until (excluded)"
          onChange={update}
        />
      </FilterBar>
      <Card>
        <PagedQueryState
          query={anomalies}
          empty="No anomalies match these filters"
          onOffset={setOffset}
        >
          {(data) => (
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
          )}
        </PagedQueryState>
        <SourceNote requests={[describeRequest("/anomalies", query)]} />
      </Card>
    </>
  );
}
