import { useEffect, type ReactNode } from "react";
import { cn } from "./cn";

export function PageHeader({
  title,
  description,
  actions,
  actionsClassName,
}: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
  /** E.g. "w-full sm:w-auto" for actions that should span a phone's width. */
  actionsClassName?: string;
}) {
  useEffect(() => {
    document.title = `${title} · FinOps`;
  }, [title]);
  return (
    <header className="mb-5 flex flex-wrap items-end justify-between gap-3">
      <div className="min-w-0">
        <h1 className="text-xl font-semibold tracking-tight text-slate-900">{title}</h1>
        {description != null && <p className="mt-1 text-sm text-slate-600">{description}</p>}
      </div>
      {actions != null && (
        <div className={cn("flex flex-wrap items-center gap-2", actionsClassName)}>{actions}</div>
      )}
    </header>
  );
}
