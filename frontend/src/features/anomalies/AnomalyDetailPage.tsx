import { useState, type SyntheticEvent } from "react";
import { Link, useParams } from "react-router";
import { RoleGate } from "@/app/RoleGate";
import { daysBetween } from "@/calendar/days";
import { shiftDecimal, toChartNumber } from "@/format/decimal";
import {
  formatDateTime,
  formatDayRange,
  formatNumber,
  formatPercent,
  formatRatio,
  humanize,
} from "@/format/format";
import { AuditLink } from "@/ui/AuditLink";
import { Badge } from "@/ui/Badge";
import { toneFor } from "@/ui/tone";
import { Button } from "@/ui/Button";
import { Card } from "@/ui/Card";
import { ErrorState } from "@/ui/ErrorState";
import { SelectField } from "@/ui/Field";
import { Money } from "@/ui/Money";
import { NoteField } from "@/ui/NoteField";
import { PageHeader } from "@/ui/PageHeader";
import { QueryState } from "@/ui/QueryState";
import { SourceNote } from "@/ui/SourceNote";
import { MoneyStat, Stat } from "@/ui/Stat";
import { Table, Td, Th } from "@/ui/Table";
import { oneOf } from "@/ui/useSearchState";
import {
  ANOMALY_STATUSES,
  scopeLabel,
  useAnomaly,
  useAnomalyFeedback,
  type Anomaly,
  type AnomalyStatus,
} from "./api";
import { AnomalyBandPanel } from "./AnomalyBandPanel";

function Feedback({ anomaly }: { anomaly: Anomaly }) {
  const [status, setStatus] = useState<AnomalyStatus>(
    anomaly.status === "open" ? "acknowledged" : anomaly.status,
  );
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
          const chosen = oneOf(ANOMALY_STATUSES, e.target.value);
          if (chosen) setStatus(chosen);
        }}
        hint="Planned activity and Not an anomaly stop the same step being flagged again."
      >
        {ANOMALY_STATUSES.map((s) => (
          <option key={s} value={s}>
            {humanize(s)}
          </option>
        ))}
      </SelectField>
      <NoteField value={note} onChange={setNote} />
      <Button type="submit" variant="primary" busy={feedback.isPending}>
        Save feedback
      </Button>
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
              <MoneyStat
                label="Actual"
                value={a.actual_cost}
                currency={a.currency}
                testId="anomaly-actual"
              />
              <MoneyStat
                label="Expected"
                value={a.expected_cost}
                currency={a.currency}
                testId="anomaly-expected"
              />
              <MoneyStat
                label="Impact"
                value={a.impact}
                currency={a.currency}
                signed
                testId="anomaly-impact"
              />
              <Stat label="Impact %" value={formatPercent(a.impact_percent, { signed: true })} />
              <Stat label="Score" value={formatNumber(a.score)} detail={`${a.days} day(s)`} />
            </dl>
          </Card>
          <div className="grid grid-cols-1 gap-4 xl:grid-cols-3">
            <Card
              title="Daily cost against the expected band"
              description="Bars: usage cost per day (effective), the anomaly's days in red. Dashed: the value the detector expected from past days; shaded: its band. Figures above are the anomaly window's totals."
              className="xl:col-span-2"
            >
              <AnomalyBandPanel anomaly={a} />
            </Card>
            <Card title="Feedback">
              <RoleGate
                route="POST /api/v1/anomalies/{anomaly_id}/feedback"
                what="Feedback on an anomaly"
              >
                <Feedback anomaly={a} />
              </RoleGate>
              <AuditLink entityType="anomaly" entityId={a.id} className="mt-3" />
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
