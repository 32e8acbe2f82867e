import { useState } from "react";
import { Link, useParams } from "react-router";
import { describeRequest } from "@/api/client";
import { RoleGate } from "@/app/RoleGate";
import { todayUtc } from "@/calendar/days";
import { formatDate, formatDateTime, humanize } from "@/format/format";
import { AuditLink } from "@/ui/AuditLink";
import { Badge } from "@/ui/Badge";
import { toneFor } from "@/ui/tone";
import { Button } from "@/ui/Button";
import { Card } from "@/ui/Card";
import { Dialog } from "@/ui/Dialog";
import { ErrorState } from "@/ui/ErrorState";
import { TextField } from "@/ui/Field";
import { Money } from "@/ui/Money";
import { NoteField } from "@/ui/NoteField";
import { PageHeader } from "@/ui/PageHeader";
import { QueryState } from "@/ui/QueryState";
import { SourceNote } from "@/ui/SourceNote";
import { MoneyStat, Stat } from "@/ui/Stat";
import { Table, Td, Th } from "@/ui/Table";
import { byMetric, useResourceUsage } from "../inventory/api";
import { UsageMetricCharts } from "../inventory/UsageMetricChart";
import { useRecommendation, useRecommendationAction, type Recommendation } from "./api";
import { configRows, displayValue, shortResource } from "./describe";

type ActionName = "accept" | "dismiss" | "apply";

function evidenceWindow(rec: Recommendation): { start: string; end: string } | null {
  const window = rec.evidence.window as { start?: unknown; end?: unknown } | undefined;
  if (window && typeof window.start === "string" && typeof window.end === "string") {
    return { start: window.start, end: window.end };
  }
  return null;
}

function projectedCpu(rec: Recommendation): number | undefined {
  const value = rec.evidence.projected_cpu_p99_5_percent;
  return typeof value === "number" ? value : undefined;
}

function Evidence({ rec }: { rec: Recommendation }) {
  const window = evidenceWindow(rec);
  const usage = useResourceUsage(
    window ? rec.resource_id : null,
    window?.start ?? "",
    window?.end ?? "",
  );
  if (!window) return <p className="text-sm text-slate-600">No evidence window recorded.</p>;
  const projected = projectedCpu(rec);
  return (
    <>
      <QueryState
        query={usage}
        loadingRows={5}
        isEmpty={(rows) => rows.length === 0}
        empty="No utilization stored for this resource in the window"
      >
        {(rows) => (
          <UsageMetricCharts
            metrics={byMetric(rows)}
            reference={
              projected != null
                ? {
                    metric: "CPUUtilization",
                    value: projected,
                    label: "Projected P99.5 after change",
                  }
                : undefined
            }
          />
        )}
      </QueryState>
      <SourceNote
        requests={[
          describeRequest("/usage", {
            start: window.start,
            end: window.end,
            resource: rec.resource_id,
            limit: 1000,
          }),
        ]}
      />
    </>
  );
}

function ActionDialog({
  rec,
  action,
  onClose,
}: {
  rec: Recommendation;
  action: ActionName;
  onClose: () => void;
}) {
  const [note, setNote] = useState("");
  const [appliedOn, setAppliedOn] = useState(todayUtc());
  const mutation = useRecommendationAction(rec.id);
  const titles: Record<ActionName, string> = {
    accept: "Accept recommendation",
    dismiss: "Dismiss recommendation",
    apply: "Mark recommendation applied",
  };
  return (
    <Dialog open title={titles[action]} onClose={onClose}>
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          const input =
            action === "apply" ? { action, note, applied_on: appliedOn } : { action, note };
          mutation.mutate(input, { onSuccess: onClose });
        }}
      >
        <p className="text-sm text-slate-700">
          {shortResource(rec.resource_id)} ·{" "}
          <Money value={rec.estimated_monthly_saving} currency={rec.billing_currency} />
          /month
        </p>
        {action === "apply" && (
          <TextField
            label="Applied on (UTC)"
            type="date"
            required
            value={appliedOn}
            max={todayUtc()}
            onChange={(e) => {
              setAppliedOn(e.target.value);
            }}
            hint="Realized savings are measured from this day against the recent cost of the resource."
          />
        )}
        {action === "dismiss" && (
          <p className="text-sm text-slate-600">A dismissed recommendation is not raised again.</p>
        )}
        <NoteField value={note} onChange={setNote} />
        {mutation.isError && <ErrorState error={mutation.error} />}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button
            type="submit"
            variant={action === "dismiss" ? "danger" : "primary"}
            busy={mutation.isPending}
          >
            {titles[action].split(" ")[0]}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function allowedActions(status: string): ActionName[] {
  if (status === "open") return ["accept", "apply", "dismiss"];
  if (status === "accepted") return ["apply", "dismiss"];
  return [];
}

export function RecommendationDetailPage() {
  const id = Number(useParams().recommendationId);
  const rec = useRecommendation(id);
  const [action, setAction] = useState<ActionName | null>(null);

  return (
    <QueryState query={rec} loadingRows={8}>
      {(r) => (
        <>
          <PageHeader
            title={`${humanize(r.kind)}: ${shortResource(r.resource_id)}`}
            description={<span className="break-all">{r.resource_id}</span>}
            actions={
              <>
                {allowedActions(r.status).length > 0 && (
                  <RoleGate
                    route="POST /api/v1/recommendations/{recommendation_id}/accept"
                    what="Accepting, dismissing or marking a recommendation applied"
                    className="max-w-xs"
                  >
                    {allowedActions(r.status).map((a) => (
                      <Button
                        key={a}
                        variant={a === "accept" ? "primary" : "secondary"}
                        onClick={() => {
                          setAction(a);
                        }}
                      >
                        {a === "apply" ? "Mark applied" : humanize(a)}
                      </Button>
                    ))}
                  </RoleGate>
                )}
                <Link
                  to="/recommendations"
                  className="text-sm font-medium text-teal-800 hover:underline"
                >
                  All recommendations
                </Link>
              </>
            }
          />
          {action && (
            <ActionDialog
              rec={r}
              action={action}
              onClose={() => {
                setAction(null);
              }}
            />
          )}
          <Card className="mb-4" aria-label="Summary">
            <dl className="grid grid-cols-2 gap-4 md:grid-cols-5">
              <MoneyStat
                label="Estimated saving / month"
                value={r.estimated_monthly_saving}
                currency={r.billing_currency}
                testId="rec-saving"
              />
              <Stat
                label="Status"
                value={<Badge tone={toneFor(r.status)}>{humanize(r.status)}</Badge>}
              />
              <Stat
                label="Performance risk"
                value={
                  r.performance_risk ? (
                    <Badge tone={toneFor(r.performance_risk)}>{r.performance_risk}</Badge>
                  ) : (
                    "—"
                  )
                }
              />
              <Stat
                label="Account · Region"
                value={<span className="text-base">{r.account_id ?? "—"}</span>}
                detail={r.region_id ?? "—"}
              />
              <Stat
                label="Updated"
                value={<span className="text-base">{formatDate(r.updated_at.slice(0, 10))}</span>}
                detail={
                  r.applied_at
                    ? `applied ${formatDateTime(r.applied_at)}`
                    : `created ${formatDateTime(r.created_at)}`
                }
              />
            </dl>
          </Card>
          <div className="grid grid-cols-1 gap-4">
            <Card title={`Change: ${humanize(r.action)}`}>
              <Table caption="Current and recommended configuration" testId="config-table">
                <thead>
                  <tr>
                    <Th>Setting</Th>
                    <Th>Current</Th>
                    <Th>Recommended</Th>
                  </tr>
                </thead>
                <tbody>
                  {configRows(r).map((row) => (
                    <tr key={row.key}>
                      <Td>{humanize(row.key)}</Td>
                      <Td className="break-all">{displayValue(row.current)}</Td>
                      <Td className="font-medium break-all">{displayValue(row.recommended)}</Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            </Card>
            <Card
              title="Utilization evidence"
              description="Daily statistics over the window the rule looked at"
            >
              <Evidence rec={r} />
            </Card>
          </div>
          <Card title="Evidence recorded by the rule" className="mt-4">
            <dl className="grid grid-cols-1 gap-x-6 gap-y-1 text-sm sm:grid-cols-2 lg:grid-cols-3">
              {Object.entries(r.evidence).map(([key, value]) => (
                <div
                  key={key}
                  className="flex justify-between gap-3 border-b border-slate-100 py-1"
                >
                  <dt className="text-slate-600">{humanize(key)}</dt>
                  <dd className="text-right break-all text-slate-900">{displayValue(value)}</dd>
                </div>
              ))}
            </dl>
            <AuditLink entityType="recommendation" entityId={r.id} className="mt-3" />
            <SourceNote requests={[`GET /api/v1/recommendations/${r.id}`]} />
          </Card>
        </>
      )}
    </QueryState>
  );
}
