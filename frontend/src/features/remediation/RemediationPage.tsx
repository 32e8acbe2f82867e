import { describeRequest } from "@/api/client";
import { mayOffer, usePermission } from "@/app/identity";
import { RoleNote } from "@/app/RoleGate";
import { formatDateTime, humanize } from "@/format/format";
import { Badge } from "@/ui/Badge";
import { toneFor } from "@/ui/tone";
import { Button } from "@/ui/Button";
import { Card } from "@/ui/Card";
import { cn } from "@/ui/cn";
import { ErrorState } from "@/ui/ErrorState";
import { ChoiceField } from "@/ui/ChoiceField";
import { Money } from "@/ui/Money";
import { PageHeader } from "@/ui/PageHeader";
import { PagedQueryState } from "@/ui/Pagination";
import { QueryState } from "@/ui/QueryState";
import { SegmentedControl } from "@/ui/SegmentedControl";
import { SourceNote } from "@/ui/SourceNote";
import { Table, Td, Th } from "@/ui/Table";
import { oneOf, useSearchState } from "@/ui/useSearchState";
import { shortResource } from "../recommendations/describe";
import { ActionDetail } from "./ActionDetail";
import {
  ACTION_STATUSES,
  usePlanPolicy,
  useRemediationActions,
  useRemediationPolicies,
  type ActionsQuery,
} from "./api";

const PAGE = 50;
const VIEWS = [
  { value: "pending", label: "Awaiting decision" },
  { value: "all", label: "History" },
] as const;
type View = (typeof VIEWS)[number]["value"];

const PLAN_ROUTE = "POST /api/v1/remediation/policies/{name}/plan";

function Policies() {
  const policies = useRemediationPolicies();
  const plan = usePlanPolicy();
  const planning = usePermission(PLAN_ROUTE);
  return (
    <Card title="Policies" description="Declarative filter + action + mode; dry-run by default">
      <QueryState
        query={policies}
        isEmpty={(d) => d.items.length === 0}
        empty="No policies: load one with `finops remediation policies load FILE`"
      >
        {(data) => (
          <ul className="divide-y divide-slate-100" data-testid="remediation-policies">
            {data.items.map((p) => (
              <li key={p.name} className="py-2">
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <span className="font-medium text-slate-900">{p.name}</span>
                  <span className="flex items-center gap-2">
                    <Badge
                      tone={p.mode === "auto" ? "bad" : p.mode === "approval" ? "warn" : "neutral"}
                    >
                      {p.mode}
                    </Badge>
                    {!p.enabled && <Badge>disabled</Badge>}
                    {mayOffer(planning) && (
                      <Button
                        size="sm"
                        busy={plan.isPending && plan.variables === p.name}
                        disabled={!p.enabled || plan.isPending}
                        onClick={() => {
                          plan.mutate(p.name);
                        }}
                      >
                        Plan now
                      </Button>
                    )}
                  </span>
                </div>
                {p.description && <p className="mt-0.5 text-xs text-slate-600">{p.description}</p>}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      {planning === "denied" && (
        <RoleNote route={PLAN_ROUTE} what="Planning a policy now" className="mt-2" />
      )}
      {plan.isError && <ErrorState error={plan.error} />}
      {plan.isSuccess && (
        <p role="status" className="mt-2 text-sm text-slate-800">
          Run {plan.data.run_id} of {plan.data.policy}: {plan.data.candidates} candidates,{" "}
          {plan.data.planned} planned, {plan.data.refused} refused, {plan.data.unchanged} unchanged.
        </p>
      )}
      <SourceNote requests={[describeRequest("/remediation/policies")]} />
    </Card>
  );
}

export function RemediationPage() {
  const { param, offset, update, setOffset } = useSearchState({ keepPage: ["action"] });
  const view: View = param("view") === "all" ? "all" : "pending";
  const status = param("status");
  const statusFilter = view === "pending" ? "planned" : oneOf(ACTION_STATUSES, status);
  const policy = param("policy");
  const selected = Number(param("action")) || null;
  const policies = useRemediationPolicies();

  const query: ActionsQuery = {
    limit: PAGE,
    offset,
    ...(statusFilter ? { status: statusFilter } : {}),
    ...(policy ? { policy } : {}),
  };
  const actions = useRemediationActions(query);

  return (
    <>
      <PageHeader
        title="Remediation"
        description="Actions planned by policies: review the dry-run diff, approve or reject, execute, roll back. Every step is audited."
      />
      <div className="grid grid-cols-1 gap-4 xl:grid-cols-5">
        <div className="space-y-4 xl:col-span-3">
          <Card
            title="Actions"
            actions={
              <SegmentedControl
                label="Show"
                value={view}
                options={VIEWS}
                onChange={(v) => {
                  update({ view: v === "all" ? "all" : null, status: null });
                }}
              />
            }
          >
            <div className="mb-3 grid grid-cols-1 gap-3 sm:grid-cols-2">
              {view === "all" && (
                <ChoiceField
                  label="Status"
                  value={status}
                  any="Any status"
                  choices={ACTION_STATUSES}
                  onChange={(v) => {
                    update({ status: v });
                  }}
                />
              )}
              <ChoiceField
                label="Policy"
                value={policy}
                any="Any policy"
                choices={(policies.data?.items ?? []).map((p) => ({
                  value: p.name,
                  label: p.name,
                }))}
                onChange={(v) => {
                  update({ policy: v });
                }}
              />
            </div>
            <PagedQueryState
              query={actions}
              loadingRows={6}
              empty={view === "pending" ? "Nothing awaits a decision" : "No actions match"}
              onOffset={setOffset}
            >
              {(data) => (
                <Table caption="Remediation actions, newest first" testId="remediation-table">
                  <thead>
                    <tr>
                      <Th>Resource</Th>
                      <Th>Action</Th>
                      <Th>Status</Th>
                      <Th numeric>Saving / mo</Th>
                      <Th>Requested</Th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((a) => (
                      <tr
                        key={a.id}
                        className={cn(a.id === selected ? "bg-teal-50" : "hover:bg-slate-50")}
                        data-action-id={a.id}
                      >
                        <Td>
                          <button
                            type="button"
                            className="text-left font-medium break-all text-teal-800 hover:underline"
                            title={a.resource_id}
                            aria-pressed={a.id === selected}
                            onClick={() => {
                              update({ action: String(a.id) });
                            }}
                          >
                            {shortResource(a.resource_id)}
                          </button>
                          <div className="text-xs text-slate-600">{a.policy ?? "—"}</div>
                        </Td>
                        <Td>
                          {humanize(a.action)}
                          <div className="text-xs text-slate-600">{a.mode}</div>
                        </Td>
                        <Td>
                          <Badge tone={toneFor(a.status)}>{humanize(a.status)}</Badge>
                        </Td>
                        <Td numeric>
                          <Money
                            value={a.expected_monthly_saving}
                            currency={a.billing_currency ?? "USD"}
                          />
                        </Td>
                        <Td className="text-xs whitespace-nowrap text-slate-600">
                          {formatDateTime(a.created_at)}
                          <div>{a.requested_by}</div>
                        </Td>
                      </tr>
                    ))}
                  </tbody>
                </Table>
              )}
            </PagedQueryState>
            <SourceNote requests={[describeRequest("/remediation/actions", query)]} />
          </Card>
          <Policies />
        </div>
        <Card
          title={selected ? `Action #${selected}` : "Action"}
          className="xl:col-span-2"
          aria-live="polite"
        >
          {selected ? (
            <ActionDetail key={selected} id={selected} />
          ) : (
            <p className="text-sm text-slate-600">Choose an action to see its diff and decide.</p>
          )}
        </Card>
      </div>
    </>
  );
}
