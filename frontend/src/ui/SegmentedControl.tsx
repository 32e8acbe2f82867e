import { useId } from "react";
import { cn } from "./cn";

/** A radio group drawn as buttons (keyboard: Tab in, arrows move, as native radios do). */
export function SegmentedControl<T extends string>({
  label,
  value,
  options,
  onChange,
  className,
}: {
  label: string;
  value: T;
  options: readonly { value: T; label: string }[];
  onChange: (value: T) => void;
  className?: string;
}) {
  const name = useId();
  return (
    <fieldset className={cn("min-w-0", className)}>
      <legend className="mb-1 block text-xs font-medium text-slate-700">{label}</legend>
      <div className="inline-flex rounded-md bg-slate-100 p-0.5 ring-1 ring-slate-200 ring-inset">
        {options.map((option) => (
          <label
            key={option.value}
            className={cn(
              "cursor-pointer rounded px-2.5 py-1 text-sm font-medium text-slate-700 has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-teal-600",
              option.value === value && "bg-white text-slate-900 shadow-sm",
            )}
          >
            <input
              type="radio"
              className="sr-only"
              name={name}
              value={option.value}
              checked={option.value === value}
              onChange={() => {
                onChange(option.value);
              }}
            />
            {option.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}
