import type { ReactNode } from "react";
import { Card } from "./Card";
import { cn } from "./cn";

const COLUMNS = {
  2: "sm:grid-cols-2",
  3: "sm:grid-cols-3",
  4: "sm:grid-cols-2 lg:grid-cols-4",
} as const;

/** The card of filter fields above a list, laid out in a responsive grid. */
export function FilterBar({
  columns = 4,
  label = "Filters",
  children,
  className,
}: {
  columns?: keyof typeof COLUMNS;
  label?: string;
  children: ReactNode;
  className?: string;
}) {
  return (
    <Card className={cn("mb-4", className)} aria-label={label}>
      <div className={cn("grid grid-cols-1 gap-3", COLUMNS[columns])}>{children}</div>
    </Card>
  );
}
