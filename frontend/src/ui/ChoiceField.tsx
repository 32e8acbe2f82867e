import { humanize } from "@/format/format";
import { SelectField } from "./Field";

export type Choice = string | { value: string; label: string };

/**
 * A filter select: an "any" option (no filter) then the choices, identifiers shown as words
 * ("not_an_anomaly" -> "Not an anomaly") unless a choice brings its own label.
 */
export function ChoiceField({
  label,
  value,
  choices,
  onChange,
  any = "Any",
  anyValue = "",
  hint,
}: {
  label: string;
  value: string;
  choices: readonly Choice[];
  onChange: (value: string) => void;
  /** The label of the no-filter option; null for none. */
  any?: string | null;
  anyValue?: string;
  hint?: string;
}) {
  const options = choices.map((c) =>
    typeof c === "string" ? { value: c, label: humanize(c) } : c,
  );
  // A value from the URL that is not (or not yet) among the choices stays selectable.
  if (value && value !== anyValue && !options.some((o) => o.value === value)) {
    options.push({ value, label: humanize(value) });
  }
  return (
    <SelectField
      label={label}
      value={value}
      hint={hint}
      onChange={(e) => {
        onChange(e.target.value);
      }}
    >
      {any != null && <option value={anyValue}>{any}</option>}
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </SelectField>
  );
}
