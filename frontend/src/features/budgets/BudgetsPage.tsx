import { useState } from "react";
import { describeRequest } from "@/api/client";
import { mayOffer, usePermission } from "@/app/identity";
import { RoleNote } from "@/app/RoleGate";
import { addDays } from "@/calendar/days";
import { toChartNumber } from "@/format/decimal";
import {
  formatDate,
  formatDateTime,
  formatDayRange,
  formatPercent,
  humanize,
} from "@/format/format";
import { Badge } from "@/ui/Badge";
import { Button } from "@/ui/Button";
import { Card } from "@/ui/Card";
import { ErrorState } from "@/ui/ErrorState";
import { Money } from "@/ui/Money";
import { PageHeader } from "@/ui/PageHeader";
import { ProgressBar } from "@/ui/ProgressBar";
import { QueryState } from "@/ui/QueryState";
import { SourceNote } from "@/ui/SourceNote";
import { Table, Td, Th } from "@/ui/Table";
import { useBudgetAlerts, useBudgets, useDeleteBudget, type BudgetStatus } from "./api";
import { BudgetDialog } from "./BudgetDialog";

function Alerts({ budgetId }: { budgetId: number }) {
  const alerts = useBudgetAlerts(budgetId);
  return (
    <QueryState
      query={alerts}
      loadingRows={2}
      isEmpty={(d) => d.items.length === 0}
      empty="No alerts raised"
    >
      {(data) => (
        <Table caption="Alerts raised for this budget">
          <thead>
            <tr>
              <Th>Raised</Th>
              <Th>Threshold</Th>
              <Th numeric>Amount at alert</Th>
              <Th>Delivery</Th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((a) => (
              <tr key={a.id}>
                <Td className="whitespace-nowrap">{formatDateTime(a.raised_at)}</Td>
                <Td>
                  {humanize(a.threshold_kind)} ≥ {formatPercent(a.threshold_percent)}
                </Td>
                <Td numeric>
                  <Money value={a.amount_at_alert} />
                </Td>
                <Td>
                  {humanize(a.delivery_status)} ({a.delivery_attempts})
                  {a.last_error && <div className="text-xs text-red-700">{a.last_error}</div>}
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </QueryState>
  );
}

function scopeText(b: BudgetStatus["budget"]): string {
  return b.scope_type === "total" ? "All spend" : `${humanize(b.scope_type)}: ${b.scope_key ?? ""}`;
}

function BudgetCard({ status, onEdit }: { status: BudgetStatus; onEdit: (() => void) | null }) {
  const [showAlerts, setShowAlerts] = useState(false);
  const remove = useDeleteBudget();
  const b = status.budget;
  const crossed = new Set(status.crossed.map((c) => `${c.kind}:${c.percent}`));
  return (
    <Card
      level={2}
      title={b.name}
      description={`${scopeText(b)} · ${humanize(b.period)} · ${humanize(b.metric)} cost · ${formatDayRange(status.period_start, status.period_end)}`}
      actions={
        onEdit && (
          <>
            <Button size="sm" onClick={onEdit}>
              Edit
            </Button>
            <Button
              size="sm"
              variant="ghost"
              busy={remove.isPending}
              onClick={() => {
                if (
                  window.confirm(
                    `Delete the budget "${b.name}" and its alerts? The audit log keeps the history.`,
                  )
                ) {
                  remove.mutate(b.id);
                }
              }}
            >
              Delete
            </Button>
          </>
        )
      }
      data-budget-id={b.id}
    >
      <dl className="mb-3 grid grid-cols-2 gap-3 text-sm sm:grid-cols-4">
        <div>
          <dt className="text-xs text-slate-600">Budget</dt>
          <dd className="font-semibold">
            <Money value={b.amount} currency={b.currency} testId="budget-amount" />
          </dd>
        </div>
        <div>
          <dt className="text-xs text-slate-600">
            Actual to {formatDate(addDays(status.as_of, -1))}
          </dt>
          <dd className="font-semibold">
            <Money value={status.actual} currency={b.currency} testId="budget-actual" /> (
            {formatPercent(status.actual_percent)})
          </dd>
        </div>
        <div>
          <dt className="text-xs text-slate-600">Forecast for the period</dt>
          <dd className="font-semibold">
            <Money value={status.forecast} currency={b.currency} testId="budget-forecast" /> (
            {formatPercent(status.forecast_percent)})
          </dd>
        </div>
        <div>
          <dt className="text-xs text-slate-600">Forecast method</dt>
          <dd>{humanize(status.forecast_method.replace("forecast:", ""))}</dd>
        </div>
      </dl>
      <ProgressBar
        label={`${b.name}: ${formatPercent(status.actual_percent)} of budget spent; forecast ${formatPercent(status.forecast_percent)}`}
        percent={toChartNumber(status.actual_percent)}
        marker={toChartNumber(status.forecast_percent)}
      />
      <p className="mt-1 text-xs text-slate-600">
        Bar: actual; black mark: forecast at period end.
      </p>
      <div className="mt-3 flex flex-wrap gap-1.5" aria-label="Thresholds">
        {b.thresholds.map((t, i) => {
          const hit = crossed.has(`${t.kind}:${t.percent}`);
          return (
            <Badge key={i} tone={hit ? "bad" : "neutral"}>
              {humanize(t.kind)} {formatPercent(t.percent)}
              {hit ? " · crossed" : ""}
            </Badge>
          );
        })}
      </div>
      {remove.isError && (
        <div className="mt-3">
          <ErrorState error={remove.error} />
        </div>
      )}
      <div className="mt-3">
        <Button
          size="sm"
          variant="ghost"
          aria-expanded={showAlerts}
          onClick={() => {
            setShowAlerts((s) => !s);
          }}
        >
          {showAlerts ? "Hide alerts" : "Show alerts"}
        </Button>
        {showAlerts && (
          <div className="mt-2">
            <Alerts budgetId={b.id} />
          </div>
        )}
      </div>
    </Card>
  );
}

export function BudgetsPage() {
  const budgets = useBudgets();
  const [editing, setEditing] = useState<BudgetStatus | "new" | null>(null);
  // One role for create, edit and delete (admin): what the API states for each route.
  const managing = usePermission("POST /api/v1/budgets");
  const canManage = mayOffer(managing);
  return (
    <>
      <PageHeader
        title="Budgets"
        description="Spend against each budget, actual and forecast to the period's end; alerts when a threshold is crossed."
        actions={
          canManage && (
            <Button
              variant="primary"
              onClick={() => {
                setEditing("new");
              }}
            >
              New budget
            </Button>
          )
        }
      />
      {managing === "denied" && (
        <RoleNote
          route="POST /api/v1/budgets"
          what="Creating, editing or deleting a budget"
          className="-mt-3 mb-4"
        />
      )}
      {editing && (
        <BudgetDialog
          budget={editing === "new" ? null : editing}
          onClose={() => {
            setEditing(null);
          }}
        />
      )}
      <QueryState
        query={budgets}
        loadingRows={6}
        isEmpty={(d) => d.items.length === 0}
        empty={canManage ? "No budgets yet: create one" : "No budgets yet"}
      >
        {(data) => (
          <div className="grid grid-cols-1 gap-4 xl:grid-cols-2" data-testid="budgets-list">
            {data.items.map((status) => (
              <BudgetCard
                key={status.budget.id}
                status={status}
                onEdit={
                  canManage
                    ? () => {
                        setEditing(status);
                      }
                    : null
                }
              />
            ))}
          </div>
        )}
      </QueryState>
      <SourceNote requests={[describeRequest("/budgets")]} />
    </>
  );
}
