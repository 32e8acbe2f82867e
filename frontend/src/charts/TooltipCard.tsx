import type { CSSProperties, ReactNode } from "react";
import { cn } from "@/ui/cn";

export interface TooltipRow {
  key: string;
  label: string;
  /** Already formatted from the API's exact text (never from a chart float). */
  value: string;
  /** A colour swatch before the label. */
  color?: string;
}

/** The box every chart's tooltip draws: a heading, then label / exact value rows. */
export function TooltipCard({
  title,
  rows,
  className,
  style,
}: {
  title: ReactNode;
  rows: readonly TooltipRow[];
  className?: string;
  style?: CSSProperties;
}) {
  return (
    <div
      className={cn(
        "max-w-xs rounded-md bg-white p-2 text-xs shadow-lg ring-1 ring-slate-200",
        className,
      )}
      style={style}
    >
      <p className="mb-1 font-semibold text-slate-900">{title}</p>
      <ul className="space-y-0.5">
        {rows.map((row) => (
          <li key={row.key} className="flex justify-between gap-3">
            <span className="flex min-w-0 items-center gap-1.5">
              {row.color && (
                <span
                  aria-hidden="true"
                  className="inline-block size-2 shrink-0 rounded-sm"
                  style={{ background: row.color }}
                />
              )}
              <span className="truncate text-slate-700">{row.label}</span>
            </span>
            <span className="tabular-nums text-slate-900">{row.value}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
