import type { ReactNode, TdHTMLAttributes, ThHTMLAttributes } from "react";
import { cn } from "./cn";

/** A scrollable table with a caption (visible or for screen readers only). */
export function Table({
  caption,
  captionHidden = true,
  children,
  className,
  testId,
}: {
  caption: string;
  captionHidden?: boolean;
  children: ReactNode;
  className?: string;
  testId?: string;
}) {
  return (
    <div
      className={cn("-mx-4 overflow-x-auto sm:mx-0", className)}
      tabIndex={0}
      role="region"
      aria-label={caption}
    >
      <table className="min-w-full text-left text-sm" data-testid={testId}>
        <caption className={cn("text-left text-xs text-slate-600", captionHidden && "sr-only")}>
          {caption}
        </caption>
        {children}
      </table>
    </div>
  );
}

export function Th({
  numeric,
  className,
  children,
  ...props
}: ThHTMLAttributes<HTMLTableCellElement> & { numeric?: boolean }) {
  return (
    <th
      scope="col"
      className={cn(
        "border-b border-slate-200 px-3 py-2 text-xs font-semibold whitespace-nowrap text-slate-700",
        numeric && "text-right",
        className,
      )}
      {...props}
    >
      {children}
    </th>
  );
}

export function Td({
  numeric,
  className,
  children,
  ...props
}: TdHTMLAttributes<HTMLTableCellElement> & { numeric?: boolean }) {
  return (
    <td
      className={cn(
        "border-b border-slate-100 px-3 py-2 align-top text-slate-800",
        numeric && "text-right whitespace-nowrap tabular-nums",
        className,
      )}
      {...props}
    >
      {children}
    </td>
  );
}

export type SortDirection = "asc" | "desc";

/** A column header that sorts; announces its state through aria-sort. */
export function SortableTh({
  label,
  active,
  direction,
  onSort,
  numeric,
}: {
  label: string;
  active: boolean;
  direction: SortDirection;
  onSort: () => void;
  numeric?: boolean;
}) {
  return (
    <Th
      numeric={numeric}
      aria-sort={active ? (direction === "asc" ? "ascending" : "descending") : "none"}
    >
      <button
        type="button"
        onClick={onSort}
        className="inline-flex items-center gap-1 rounded hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-teal-600"
      >
        {label}
        <span aria-hidden="true" className="text-slate-500">
          {active ? (direction === "asc" ? "▲" : "▼") : "↕"}
        </span>
      </button>
    </Th>
  );
}
