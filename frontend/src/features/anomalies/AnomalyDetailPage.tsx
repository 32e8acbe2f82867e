import { useState, type SyntheticEvent } from "react";
import { Link, useParams } from "react-router";
import { describeRequest } from "@/api/client";
import { addDays, daysBetween, todayUtc } from "@/calendar/days";
import { BandChart, type BandPoint } from "@/charts/BandChart";
import { divideDecimals, shiftDecimal, toChartNumber } from "@/format/decimal";
import {
  formatDateTime,
  formatDayRange,
  formatMoney,
  formatNumber,
  formatPercent,
  formatRatio,
  humanize,
} from "@/format/format";
import { Badge } from "@/ui/Badge";
import { toneFor } from "@/ui/tone";
import { Button } from "@/ui/Button";
import { Card } from "@/ui/Card";
import { ErrorState } from "@/ui/ErrorState";
import { SelectField, TextAreaField } from "@/ui/Field";
import { Money } from "@/ui/Money";
import { PageHeader } from "@/ui/PageHeader";
import { QueryState } from "@/ui/QueryState";
import { SourceNote } from "@/ui/SourceNote";
import { Stat } from "@/ui/Stat";
import { Table, Td, Th } from "@/ui/Table";
import { useCosts } from "../costs/api";
import {
  ANOMALY_STATUSES,
  scopeFilter,
  scopeLabel,
  useAnomaly,
  useAnomalyFeedback,
  type Anomaly,
} from "./api";

const CONTEXT_DAYS_BEFORE = 35;
const CONTEXT_DAYS_AFTER = 14;

function CostContext({ anomaly }: { anomaly: Anomaly }) {
  const filter = scopeFilter(anomaly);
  const today = todayUtc();
  const start = addDays(anomaly.start_day, -CONTEXT_DAYS_BEFORE);
  const afterEnd = addDays(anomaly.end_day, CONTEXT_DAYS_AFTER);
  const end = afterEnd < today ? afterEnd : today;
  const query = {
    start,
    end,
    granularity: "day" as const,
    filter: filter ?? {},
    metric: "effective" as const,
  };
  const costs = useCosts(query, { enabled: filter != null });
  if (!filter) {
    return (
      <p className="text-sm text-slate-600">This scope cannot be charted from the cost API.</p>
    );
  }
  // The API stores the expected cost of the whole window; spread evenly per day for the chart.
  const expectedPerDay = divideDecimals(anomaly.expected_cost, String(anomaly.days), 6) ?? "0";
  return (
    <>
      <QueryState
        query={costs}
        loadingRows={6}
        isEmpty={(d) => d.rows.length === 0}
        empty="No cost rows for this scope"
      >
        {(data) => {
          const points: BandPoint[] = data.rows.map((row) => {
            const inWindow =
              row.period_start >= anomaly.start_day && row.period_start < anomaly.end_day;
            return {
              x: row.period_start,
              lines: {
                actual: toChartNumber(row.effective),
                expected: inWindow ? toChartNumber(expectedPerDay) : null,
              },
              bands: {},
              exact: {
                actual: formatMoney(row.effective, anomaly.currency),
                ...(inWindow ? { expected: formatMoney(expectedPerDay, anomaly.currency) } : {}),
              },
            };
          });
          return (
            <BandChart
              testId="anomaly-chart"
              points={points}
              lines={[
                { key: "actual", label: "Actual (effective)", color: "#0f766e" },
                { key: "expected", label: "Expected per day", color: "#b45309", dashed: true },
              ]}
              highlight={{
                from: anomaly.start_day,
                to: addDays(anomaly.end_day, -1),
                label: "anomaly",
              }}
              formatValue={(v) => formatMoney(v, anomaly.currency)}
              formatAxis={(v) => formatMoney(v, anomaly.currency, { compact: true })}
              summary={`Daily cost of ${scopeLabel(anomaly)} from ${start} to ${end}, the anomaly window shaded.`}
            />
          );
        }}
      </QueryState>
      <SourceNote requests={[describeRequest("/costs", query)]} />
    </>
  );
}

function Feedback({ anomaly }: { anomaly: Anomaly }) {
  const [status, setStatus] = useState(anomaly.status === "open" ? "acknowledged" : anomaly.status);
  const [note, setNote] = useState("");
  const feedback = useAnomalyFeedback(anomaly.id);

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    feedback.mutate(
      { status, note: note.trim() || null },
      {
        onSuccess: () => {
          setNote("");
        },
      },
    );
  }

  return (
    <form onSubmit={submit} className="space-y-3" aria-label="Feedback">
      <SelectField
        label="Mark as"
        value={status}
        onChange={(e) => {
          setStatus(e.target.value);
        }}
        hint="Planned activity and Not an anomaly stop the same step being flagged again."
      >
        {ANOMALY_STATUSES.map((s) => (
          <option key={s} value={s}>
            {humanize(s)}
          </option>
        ))}
      </SelectField>
      <TextAreaField
        label="Note (audited)"
        value={note}
        maxLength={2000}
        onChange={(e) => {
          setNote(e.target.value);
        }}
      />
      <div className="flex items-center gap-3">
        <Button type="submit" variant="primary" busy={feedback.isPending}>
          Save feedback
        </Button>
        <span className="text-xs text-slate-600">Needs the operator role.</span>
      </div>
      {feedback.isError && <ErrorState error={feedback.error} />}
      {feedback.isSuccess && (
        <p role="status" className="text-sm text-emerald-800">
          Saved: {humanize(feedback.data.status)}.
        </p>
      )}
    </form>
  );
}

export function AnomalyDetailPage() {
  const id = Number(useParams().anomalyId);
  const anomaly = useAnomaly(id);
  return (
    <QueryState query={anomaly} loadingRows={8}>
      {(a) => (
        <>
          <PageHeader
            title={`Anomaly: ${scopeLabel(a)}`}
            description={`${formatDayRange(a.start_day, a.end_day)} · ${humanize(a.scope_type)} · detected ${formatDateTime(a.detected_at)}`}
            actions={
              <>
                <Badge tone={toneFor(a.severity)}>{a.severity}</Badge>
                <Badge tone={toneFor(a.status)}>{humanize(a.status)}</Badge>
                <Link to="/anomalies" className="text-sm font-medium text-teal-800 hover:underline">
                  All anomalies
                </Link>
              </>
            }
          />
          <Card className="mb-4" aria-label="Impact">
            <dl className="grid grid-cols-2 gap-4 md:grid-cols-5">
              <Stat
                label="Actual"
                value={
                  <Money value={a.actual_cost} currency={a.currency} testId="anomaly-actual" />
                }
              />
              <Stat
                label="Expected"
                value={
                  <Money value={a.expected_cost} currency={a.currency} testId="anomaly-expected" />
                }
              />
              <Stat
                label="Impact"
                value={
                  <Money value={a.impact} currency={a.currency} signed testId="anomaly-impact" />
                }
              />
              <Stat label="Impact %" value={formatPercent(a.impact_percent, { signed: true })} />
              <Stat label="Score" value={formatNumber(a.score)} detail={`${a.days} day(s)`} />
            </dl>
          </Card>
          <div className="grid grid-cols-1 gap-4 xl:grid-cols-3">
            <Card
              title="Daily cost around the anomaly"
              description="Actual effective cost per day; dashed: expected level during the window (the window's expected cost per day)"
              className="xl:col-span-2"
            >
              <CostContext anomaly={a} />
            </Card>
            <Card title="Feedback">
              <Feedback anomaly={a} />
              <p className="mt-3 text-xs">
                <Link
                  to={`/audit?entity_type=anomaly&entity_id=${a.id}`}
                  className="font-medium text-teal-800 hover:underline"
                >
                  History in the audit log
                </Link>
              </p>
            </Card>
          </div>
          <Card title="Root cause: ranked contributors" className="mt-4">
            {a.root_cause.length === 0 ? (
              <p className="text-sm text-slate-600">No contributors recorded.</p>
            ) : (
              <Table
                caption="Contributors to the anomaly, largest share first"
                testId="contributors-table"
              >
                <thead>
                  <tr>
                    <Th>Account</Th>
                    <Th>Service</Th>
                    <Th>Region</Th>
                    <Th>Usage type</Th>
                    <Th>Resource</Th>
                    <Th numeric>Actual</Th>
                    <Th numeric>Expected</Th>
                    <Th numeric>Deviation</Th>
                    <Th numeric>Share</Th>
                  </tr>
                </thead>
                <tbody>
                  {a.root_cause.map((c, i) => (
                    <tr key={i}>
                      <Td>{c.account ?? "—"}</Td>
                      <Td>{c.service ?? "—"}</Td>
                      <Td>{c.region ?? "—"}</Td>
                      <Td className="break-all">{c.usage_type ?? "—"}</Td>
                      <Td className="max-w-[18rem] break-all">{c.resource ?? "—"}</Td>
                      <Td numeric>
                        <Money value={c.actual} currency={a.currency} />
                      </Td>
                      <Td numeric>
                        <Money value={c.expected} currency={a.currency} />
                      </Td>
                      <Td numeric>
                        <Money value={c.deviation} currency={a.currency} signed />
                      </Td>
                      <Td numeric>
                        <span className="inline-flex items-center gap-2">
                          <span
                            aria-hidden="true"
                            className="h-1.5 w-16 overflow-hidden rounded bg-slate-200"
                          >
                            <span
                              className="block h-full bg-red-500"
                              style={{
                                width: `${Math.min(100, toChartNumber(shiftDecimal(c.share, 2)))}%`,
                              }}
                            />
                          </span>
                          {formatRatio(c.share)}
                        </span>
                      </Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            )}
            <p className="mt-2 text-xs text-slate-600">
              Each contributor's cost over the {daysBetween(a.start_day, a.end_day)} anomaly day(s)
              against the same weekdays of the previous weeks.
            </p>
            <SourceNote requests={[`GET /api/v1/anomalies/${a.id}`]} />
          </Card>
        </>
      )}
    </QueryState>
  );
}
