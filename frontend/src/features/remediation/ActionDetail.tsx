import { useState } from "react";
import { Link } from "react-router";
import { RoleGate } from "@/app/RoleGate";
import { formatDateTime, humanize } from "@/format/format";
import { AuditLink } from "@/ui/AuditLink";
import { Badge } from "@/ui/Badge";
import { toneFor } from "@/ui/tone";
import { Button } from "@/ui/Button";
import { ErrorState } from "@/ui/ErrorState";
import { Money } from "@/ui/Money";
import { NoteField } from "@/ui/NoteField";
import { QueryState } from "@/ui/QueryState";
import { SourceNote } from "@/ui/SourceNote";
import { Table, Td, Th } from "@/ui/Table";
import { displayValue } from "../recommendations/describe";
import {
  nextSteps,
  planChanges,
  useRemediationAction,
  useRemediationStep,
  type RemediationAction,
} from "./api";

const STEP_LABELS = {
  approve: "Approve",
  reject: "Reject",
  execute: "Execute now",
  rollback: "Roll back",
} as const;

function Timeline({ action }: { action: RemediationAction }) {
  const events: [string, string | null, string | null][] = [
    ["Requested", action.requested_by, action.created_at],
    ["Approved", action.approved_by, null],
    ["Rejected", action.rejected_by, null],
    ["Executed", action.executed_by, action.executed_at],
    ["Verified", null, action.verified_at],
    ["Rolled back", action.rolled_back_by, action.rolled_back_at],
  ];
  return (
    <ol className="space-y-1 text-sm">
      {events
        .filter(([, who, when]) => who != null || when != null)
        .map(([label, who, when]) => (
          <li key={label} className="flex flex-wrap gap-x-2">
            <span className="font-medium text-slate-800">{label}</span>
            {who && <span className="text-slate-700">by {who}</span>}
            {when && <span className="text-slate-600">{formatDateTime(when)}</span>}
          </li>
        ))}
    </ol>
  );
}

function Steps({ action }: { action: RemediationAction }) {
  const [note, setNote] = useState("");
  const step = useRemediationStep(action.id);
  const steps = nextSteps(action);
  if (steps.length === 0) return null;
  const needsNote = steps.includes("approve") || steps.includes("reject");
  return (
    <div className="space-y-3 rounded-md bg-slate-50 p-3 ring-1 ring-slate-200">
      {needsNote && <NoteField label="Decision note (audited)" value={note} onChange={setNote} />}
      <div className="flex flex-wrap items-center gap-2">
        {steps.map((s) => (
          <Button
            key={s}
            variant={
              s === "approve" || s === "execute"
                ? "primary"
                : s === "reject"
                  ? "danger"
                  : "secondary"
            }
            busy={step.isPending && step.variables.step === s}
            disabled={step.isPending}
            onClick={() => {
              if (
                (s === "execute" || s === "rollback") &&
                !window.confirm(
                  `${STEP_LABELS[s]}: this changes ${action.resource_id} in AWS. Continue?`,
                )
              ) {
                return;
              }
              step.mutate(
                { step: s, note },
                {
                  onSuccess: () => {
                    setNote("");
                  },
                },
              );
            }}
          >
            {STEP_LABELS[s]}
          </Button>
        ))}
        <span className="text-xs text-slate-600">
          The approver must not be the requester ({action.requested_by}).
        </span>
      </div>
      {step.isError && <ErrorState error={step.error} />}
      {step.isSuccess && (
        <p role="status" className="text-sm text-emerald-800">
          Done: the action is now {humanize(step.data.status)}.
        </p>
      )}
    </div>
  );
}

export function ActionDetail({ id }: { id: number }) {
  const action = useRemediationAction(id);
  return (
    <QueryState query={action} loadingRows={6}>
      {(a) => {
        const changes = planChanges(a);
        const target = (a.plan.target ?? null) as Record<string, unknown> | null;
        return (
          <div className="space-y-4" data-testid="remediation-detail" data-action-id={a.id}>
            <div className="flex flex-wrap items-center gap-2">
              <Badge tone={toneFor(a.status)}>{humanize(a.status)}</Badge>
              <Badge tone="neutral">{a.mode}</Badge>
              <span className="text-sm text-slate-700">
                {humanize(a.action)} · policy {a.policy ?? "—"}
                {a.run_id && <> · run {a.run_id}</>}
              </span>
            </div>
            <dl className="grid grid-cols-1 gap-2 text-sm sm:grid-cols-2">
              <div>
                <dt className="text-xs text-slate-600">Resource</dt>
                <dd className="break-all">{a.resource_id}</dd>
              </div>
              <div>
                <dt className="text-xs text-slate-600">Account · Region</dt>
                <dd>
                  {a.account_id ?? "—"} · {a.region_id ?? "—"}
                </dd>
              </div>
              <div>
                <dt className="text-xs text-slate-600">Expected saving / month</dt>
                <dd className="font-semibold">
                  <Money
                    value={a.expected_monthly_saving}
                    currency={a.billing_currency ?? "USD"}
                    testId="remediation-saving"
                  />
                  {typeof a.plan.saving_source === "string" && (
                    <span className="font-normal text-slate-600"> ({a.plan.saving_source})</span>
                  )}
                </dd>
              </div>
              {a.recommendation_id != null && (
                <div>
                  <dt className="text-xs text-slate-600">From recommendation</dt>
                  <dd>
                    <Link
                      to={`/recommendations/${a.recommendation_id}`}
                      className="text-teal-800 hover:underline"
                    >
                      #{a.recommendation_id}
                    </Link>
                  </dd>
                </div>
              )}
            </dl>
            {a.reason && (
              <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200">
                Reason: {humanize(a.reason)}
              </p>
            )}
            {a.error && (
              <p className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-900 ring-1 ring-red-200">
                Error: {a.error}
              </p>
            )}
            <div>
              <h3 className="mb-1 text-xs font-semibold text-slate-700">
                {a.mode === "dry-run" ? "Dry-run diff (nothing changes in AWS)" : "Planned change"}
              </h3>
              {changes.length === 0 ? (
                <p className="text-sm text-slate-600">No field changes recorded.</p>
              ) : (
                <Table
                  caption="Planned change: field, current value, desired value"
                  testId="remediation-diff"
                >
                  <thead>
                    <tr>
                      <Th>Field</Th>
                      <Th>Current</Th>
                      <Th>Desired</Th>
                    </tr>
                  </thead>
                  <tbody>
                    {changes.map((c) => (
                      <tr key={c.field}>
                        <Td>{c.field}</Td>
                        <Td className="font-mono text-xs break-all text-red-800">
                          <span aria-hidden="true">− </span>
                          {displayValue(c.from)}
                        </Td>
                        <Td className="font-mono text-xs break-all text-emerald-800">
                          <span aria-hidden="true">+ </span>
                          {displayValue(c.to)}
                        </Td>
                      </tr>
                    ))}
                  </tbody>
                </Table>
              )}
              {target && (
                <p className="mt-1 text-xs text-slate-600">
                  Target:{" "}
                  {Object.entries(target)
                    .filter(([, v]) => v != null)
                    .map(([k, v]) => `${k}=${displayValue(v)}`)
                    .join(", ")}
                </p>
              )}
            </div>
            <div>
              <h3 className="mb-1 text-xs font-semibold text-slate-700">Timeline</h3>
              <Timeline action={a} />
              {a.rollback && (
                <details className="mt-2 text-xs">
                  <summary className="cursor-pointer text-slate-700">Rollback record</summary>
                  <pre className="mt-1 overflow-x-auto rounded bg-slate-50 p-2">
                    {JSON.stringify(a.rollback, null, 2)}
                  </pre>
                </details>
              )}
            </div>
            {nextSteps(a).length > 0 && (
              <RoleGate
                route="POST /api/v1/remediation/actions/{action_id}/approve"
                what="Approving, rejecting, executing or rolling back an action"
              >
                <Steps action={a} />
              </RoleGate>
            )}
            <AuditLink entityType="remediation_action" entityId={a.id}>
              Every step in the audit log
            </AuditLink>
            <SourceNote requests={[`GET /api/v1/remediation/actions/${a.id}`]} />
          </div>
        );
      }}
    </QueryState>
  );
}
