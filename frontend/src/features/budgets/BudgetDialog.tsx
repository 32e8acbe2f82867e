import { useState, type SyntheticEvent } from "react";
import { humanize } from "@/format/format";
import { Button } from "@/ui/Button";
import { Dialog } from "@/ui/Dialog";
import { ErrorState } from "@/ui/ErrorState";
import { SelectField, TextField } from "@/ui/Field";
import { useSaveBudget, type BudgetStatus } from "./api";
import {
  draftFrom,
  emptyDraft,
  SCOPE_TYPES,
  specFromDraft,
  validateDraft,
  type BudgetDraft,
  type ScopeType,
} from "./budgetForm";

/** Create or edit a budget (admin). */
export function BudgetDialog({
  budget,
  onClose,
}: {
  budget: BudgetStatus | null;
  onClose: () => void;
}) {
  const [draft, setDraft] = useState<BudgetDraft>(() =>
    budget ? draftFrom(budget) : emptyDraft(),
  );
  const [submitted, setSubmitted] = useState(false);
  const save = useSaveBudget();
  const errors = validateDraft(draft);
  const shown = submitted ? errors : {};

  function patch(p: Partial<BudgetDraft>) {
    setDraft((d) => ({ ...d, ...p }));
  }

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    setSubmitted(true);
    if (Object.keys(errors).length) return;
    save.mutate(
      { id: budget?.budget.id ?? null, spec: specFromDraft(draft) },
      { onSuccess: onClose },
    );
  }

  return (
    <Dialog
      open
      title={budget ? `Edit budget: ${budget.budget.name}` : "New budget"}
      onClose={onClose}
    >
      <form onSubmit={submit} noValidate className="space-y-3" aria-label="Budget">
        <TextField
          label="Name"
          value={draft.name}
          error={shown.name}
          onChange={(e) => {
            patch({ name: e.target.value });
          }}
        />
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
          <SelectField
            label="Scope"
            value={draft.scope_type}
            onChange={(e) => {
              patch({ scope_type: e.target.value as ScopeType });
            }}
          >
            {SCOPE_TYPES.map((s) => (
              <option key={s} value={s}>
                {humanize(s)}
              </option>
            ))}
          </SelectField>
          <TextField
            label={draft.scope_type === "tag" ? "Tag (KEY=VALUE)" : "Scope value"}
            value={draft.scope_key}
            disabled={draft.scope_type === "total"}
            placeholder={
              draft.scope_type === "total"
                ? "all spend"
                : draft.scope_type === "tag"
                  ? "team=web"
                  : ""
            }
            error={shown.scope_key}
            onChange={(e) => {
              patch({ scope_key: e.target.value });
            }}
          />
          <TextField
            label="Amount per period"
            inputMode="decimal"
            value={draft.amount}
            error={shown.amount}
            onChange={(e) => {
              patch({ amount: e.target.value });
            }}
          />
          <TextField
            label="Currency"
            value={draft.currency}
            maxLength={3}
            error={shown.currency}
            onChange={(e) => {
              patch({ currency: e.target.value.toUpperCase() });
            }}
          />
          <SelectField
            label="Period"
            value={draft.period}
            onChange={(e) => {
              patch({ period: e.target.value === "quarterly" ? "quarterly" : "monthly" });
            }}
          >
            <option value="monthly">Monthly</option>
            <option value="quarterly">Quarterly</option>
          </SelectField>
          <SelectField
            label="Cost"
            value={draft.metric}
            onChange={(e) => {
              patch({ metric: e.target.value as BudgetDraft["metric"] });
            }}
          >
            <option value="effective">Effective</option>
            <option value="billed">Billed</option>
            <option value="list">List</option>
          </SelectField>
        </div>
        <fieldset className="space-y-2">
          <legend className="text-xs font-medium text-slate-700">Alert thresholds</legend>
          {draft.thresholds.map((t, i) => (
            <div key={i} className="flex items-end gap-2">
              <SelectField
                label={`Threshold ${i + 1} compares`}
                value={t.kind}
                className="flex-1"
                onChange={(e) => {
                  const thresholds = [...draft.thresholds];
                  thresholds[i] = {
                    ...t,
                    kind: e.target.value === "forecast" ? "forecast" : "actual",
                  };
                  patch({ thresholds });
                }}
              >
                <option value="actual">Actual spend</option>
                <option value="forecast">Forecast spend</option>
              </SelectField>
              <TextField
                label="at % of budget"
                inputMode="decimal"
                className="w-32"
                value={t.percent}
                error={shown[`threshold_${i}`]}
                onChange={(e) => {
                  const thresholds = [...draft.thresholds];
                  thresholds[i] = { ...t, percent: e.target.value };
                  patch({ thresholds });
                }}
              />
              <Button
                variant="ghost"
                aria-label={`Remove threshold ${i + 1}`}
                onClick={() => {
                  patch({ thresholds: draft.thresholds.filter((_, j) => j !== i) });
                }}
              >
                ✕
              </Button>
            </div>
          ))}
          {draft.thresholds.length < 10 && (
            <Button
              size="sm"
              onClick={() => {
                patch({ thresholds: [...draft.thresholds, { kind: "actual", percent: "90" }] });
              }}
            >
              Add threshold
            </Button>
          )}
        </fieldset>
        <TextField
          label="Webhook secret name (optional)"
          value={draft.webhook_secret_name}
          error={shown.webhook_secret_name}
          hint="The Vault field or FINOPS_<NAME> variable holding the alert webhook URL"
          onChange={(e) => {
            patch({ webhook_secret_name: e.target.value });
          }}
        />
        {save.isError && <ErrorState error={save.error} />}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={save.isPending}>
            {budget ? "Save budget" : "Create budget"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
