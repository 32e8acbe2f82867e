import type { ReactNode } from "react";
import { cn } from "./cn";
import { Money } from "./Money";

/** A headline figure with its label and a line of context. */
export function Stat({
  label,
  value,
  title,
  detail,
  className,
  testId,
}: {
  label: ReactNode;
  value: ReactNode;
  /** Hover text: the exact figure. */
  title?: string;
  detail?: ReactNode;
  className?: string;
  testId?: string;
}) {
  return (
    <div className={cn("min-w-0", className)}>
      <dt className="text-xs font-medium text-slate-600">{label}</dt>
      <dd
        className="mt-1 truncate text-2xl font-semibold tracking-tight text-slate-900 tabular-nums"
        title={title}
        data-testid={testId}
      >
        {value}
      </dd>
      {detail != null && <dd className="mt-1 text-xs text-slate-600">{detail}</dd>}
    </div>
  );
}

/** A headline money figure: the exact API text, formatted, its decimals on hover. */
export function MoneyStat({
  label,
  value,
  currency,
  signed,
  detail,
  className,
  testId,
}: {
  label: ReactNode;
  value: string | null | undefined;
  currency: string;
  signed?: boolean;
  detail?: ReactNode;
  className?: string;
  /** On the figure itself, with the API's text in `data-value`. */
  testId?: string;
}) {
  return (
    <Stat
      label={label}
      detail={detail}
      className={className}
      value={<Money value={value} currency={currency} signed={signed} testId={testId} />}
    />
  );
}
