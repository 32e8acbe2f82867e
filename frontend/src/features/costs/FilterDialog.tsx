import { useMemo, useState } from "react";
import { Button } from "@/ui/Button";
import { Dialog } from "@/ui/Dialog";
import { SelectField, TextField } from "@/ui/Field";
import { LoadingState } from "@/ui/LoadingState";
import { ErrorState } from "@/ui/ErrorState";
import { formatCount, formatMoney } from "@/format/format";
import { useCosts, type TagKey } from "./api";
import { dimensionLabel, type CostView } from "./costView";
import { DimensionOptions } from "./DimensionOptions";

/**
 * Pick a dimension and the values to keep. Values come with their cost in the range from a
 * one-bucket `GET /costs` grouped by the dimension (complete, and with "(none)" for untagged
 * cost); for a tag, `GET /tags` adds how many resources carry it.
 */
export function FilterDialog({
  open,
  view,
  tagKeys,
  initialDimension,
  onApply,
  onClose,
}: {
  open: boolean;
  view: CostView;
  tagKeys: readonly TagKey[];
  initialDimension?: string;
  onApply: (dimension: string, values: string[]) => void;
  onClose: () => void;
}) {
  const [dimension, setDimension] = useState(initialDimension ?? "service");
  const [search, setSearch] = useState("");
  const [chosen, setChosen] = useState<Set<string>>(() => new Set(view.filters[dimension] ?? []));
  const values = useCosts(
    { start: view.start, end: view.end, group_by: [dimension], metric: view.metric, limit: 500 },
    { enabled: open },
  );

  const options = useMemo(() => {
    const rows = values.data?.rows.filter((r) => !r.is_other) ?? [];
    const needle = search.trim().toLowerCase();
    return rows
      .map((r) => ({
        value: r.keys[dimension] ?? "null",
        amount: r[view.metric],
        currency: r.currency,
      }))
      .filter((o) => !needle || o.value.toLowerCase().includes(needle));
  }, [values.data, search, dimension, view.metric]);

  const tag = dimension.startsWith("tag:")
    ? tagKeys.find((t) => `tag:${t.key}` === dimension)
    : undefined;

  return (
    <Dialog open={open} title="Filter costs" onClose={onClose}>
      <div className="space-y-3">
        <SelectField
          label="Dimension"
          value={dimension}
          hint={
            tag
              ? `On ${formatCount(tag.resources)} resources; most common values: ${tag.values.join(", ")}${
                  tag.values_total > tag.values.length
                    ? ` (and ${formatCount(tag.values_total - tag.values.length)} more)`
                    : ""
                }.`
              : undefined
          }
          onChange={(e) => {
            setDimension(e.target.value);
            setChosen(new Set(view.filters[e.target.value] ?? []));
          }}
        >
          <DimensionOptions tagKeys={tagKeys} current={[dimension]} />
        </SelectField>
        <TextField
          label="Search values"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
          }}
        />
        <fieldset className="max-h-64 overflow-y-auto rounded-md ring-1 ring-slate-200">
          <legend className="sr-only">Values of {dimensionLabel(dimension)}</legend>
          {values.isPending ? (
            <LoadingState className="p-3" />
          ) : values.isError ? (
            <ErrorState error={values.error} />
          ) : options.length === 0 ? (
            <p className="p-3 text-sm text-slate-600">No values with cost in this range.</p>
          ) : (
            options.map((o) => (
              <label
                key={`${o.value}-${o.currency}`}
                className="flex cursor-pointer items-center justify-between gap-3 border-b border-slate-100 px-3 py-1.5 text-sm last:border-0 hover:bg-slate-50"
              >
                <span className="flex min-w-0 items-center gap-2">
                  <input
                    type="checkbox"
                    className="size-4 accent-teal-700"
                    checked={chosen.has(o.value)}
                    onChange={(e) => {
                      const next = new Set(chosen);
                      if (e.target.checked) next.add(o.value);
                      else next.delete(o.value);
                      setChosen(next);
                    }}
                  />
                  <span className="truncate">{o.value === "null" ? "(none)" : o.value}</span>
                </span>
                <span className="tabular-nums text-slate-600">
                  {formatMoney(o.amount, o.currency)}
                </span>
              </label>
            ))
          )}
        </fieldset>
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button
            variant="primary"
            onClick={() => {
              onApply(dimension, [...chosen]);
            }}
          >
            Apply filter
          </Button>
        </div>
      </div>
    </Dialog>
  );
}
