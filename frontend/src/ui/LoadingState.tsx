import { cn } from "./cn";

/** A skeleton while data loads; `aria-busy` lets assistive tech (and the e2e suite) wait. */
export function LoadingState({
  label = "Loading",
  rows = 3,
  className,
}: {
  label?: string;
  rows?: number;
  className?: string;
}) {
  return (
    <div role="status" aria-busy="true" aria-live="polite" className={cn("space-y-2", className)}>
      <span className="sr-only">{label}…</span>
      {Array.from({ length: rows }, (_, i) => (
        <div
          key={i}
          className="h-4 animate-pulse rounded bg-slate-200"
          style={{ width: `${90 - i * 15}%` }}
        />
      ))}
    </div>
  );
}
