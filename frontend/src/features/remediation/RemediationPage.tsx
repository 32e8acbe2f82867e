import { useSearchParams } from "react-router";
import { describeRequest } from "@/api/client";
import { formatDateTime, humanize } from "@/format/format";
import { Badge } from "@/ui/Badge";
import { toneFor } from "@/ui/tone";
import { Button } from "@/ui/Button";
import { Card } from "@/ui/Card";
import { cn } from "@/ui/cn";
import { ErrorState } from "@/ui/ErrorState";
import { SelectField } from "@/ui/Field";
import { Money } from "@/ui/Money";
import { PageHeader } from "@/ui/PageHeader";
import { Pagination } from "@/ui/Pagination";
import { QueryState } from "@/ui/QueryState";
import { SegmentedControl } from "@/ui/SegmentedControl";
import { SourceNote } from "@/ui/SourceNote";
import { Table, Td, Th } from "@/ui/Table";
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

function Policies() {
  const policies = useRemediationPolicies();
  const plan = usePlanPolicy();
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
                  </span>
                </div>
                {p.description && <p className="mt-0.5 text-xs text-slate-600">{p.description}</p>}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
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
  const [search, setSearch] = useSearchParams();
  const view: View = search.get("view") === "all" ? "all" : "pending";
  const status = search.get("status") ?? "";
  const policy = search.get("policy") ?? "";
  const selected = Number(search.get("action")) || null;
  const offset = Math.max(0, Number(search.get("offset")) || 0);
  const policies = useRemediationPolicies();

  const query: ActionsQuery = {
    limit: PAGE,
    offset,
    ...(view === "pending" ? { status: "planned" } : status ? { status } : {}),
    ...(policy ? { policy } : {}),
  };
  const actions = useRemediationActions(query);

  function set(patch: Record<string, string>) {
    const next = new URLSearchParams(search);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!("offset" in patch)) next.delete("offset");
    setSearch(next);
  }

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
                  set({ view: v === "all" ? "all" : "", status: "" });
                }}
              />
            }
          >
            <div className="mb-3 grid grid-cols-1 gap-3 sm:grid-cols-2">
              {view === "all" && (
                <SelectField
                  label="Status"
                  value={status}
                  onChange={(e) => {
                    set({ status: e.target.value });
                  }}
                >
                  <option value="">Any status</option>
                  {ACTION_STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {humanize(s)}
                    </option>
                  ))}
                </SelectField>
              )}
              <SelectField
                label="Policy"
                value={policy}
                onChange={(e) => {
                  set({ policy: e.target.value });
                }}
              >
                <option value="">Any policy</option>
                {(policies.data?.items ?? []).map((p) => (
                  <option key={p.name} value={p.name}>
                    {p.name}
                  </option>
                ))}
              </SelectField>
            </div>
            <QueryState
              query={actions}
              loadingRows={6}
              isEmpty={(d) => d.items.length === 0}
              empty={view === "pending" ? "Nothing awaits a decision" : "No actions match"}
            >
              {(data) => (
                <>
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
                                set({ action: String(a.id), offset: search.get("offset") ?? "" });
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
                  <Pagination
                    offset={offset}
                    limit={PAGE}
                    total={data.total}
                    shown={data.items.length}
                    onOffset={(o) => {
                      set({ offset: o ? String(o) : "" });
                    }}
                  />
                </>
              )}
            </QueryState>
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
