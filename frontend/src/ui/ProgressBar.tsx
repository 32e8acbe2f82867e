import { cn } from "./cn";

/** A horizontal bar for a percent (0..∞); past 100 it turns red. `marker` draws a second value. */
export function ProgressBar({
  label,
  percent,
  marker,
  className,
}: {
  label: string;
  percent: number;
  marker?: number;
  className?: string;
}) {
  const width = Math.max(0, Math.min(100, percent));
  return (
    <div
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(percent * 100) / 100}
      className={cn("relative h-2.5 w-full overflow-hidden rounded-full bg-slate-200", className)}
    >
      <div
        className={cn(
          "h-full rounded-full",
          percent >= 100 ? "bg-red-600" : percent >= 80 ? "bg-amber-500" : "bg-teal-600",
        )}
        style={{ width: `${width}%` }}
      />
      {marker != null && (
        <div
          aria-hidden="true"
          className="absolute top-0 h-full w-0.5 bg-slate-900"
          style={{ left: `${Math.max(0, Math.min(99.5, marker))}%` }}
        />
      )}
    </div>
  );
}
