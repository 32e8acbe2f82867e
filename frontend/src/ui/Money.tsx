import { formatMoney, type MoneyOptions } from "@/format/format";
import { cn } from "./cn";

/** A money figure; hovering shows every decimal the API sent. */
export function Money({
  value,
  currency = "USD",
  className,
  testId,
  ...options
}: MoneyOptions & {
  value: string | null | undefined;
  currency?: string;
  className?: string;
  testId?: string;
}) {
  return (
    <span
      className={cn("tabular-nums", className)}
      title={value == null ? undefined : `${formatMoney(value, currency, { exact: true })} (exact)`}
      data-testid={testId}
      data-value={value ?? undefined}
    >
      {formatMoney(value, currency, options)}
    </span>
  );
}
