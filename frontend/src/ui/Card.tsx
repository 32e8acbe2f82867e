import type { HTMLAttributes, ReactNode } from "react";
import { cn } from "./cn";

export interface CardProps extends Omit<HTMLAttributes<HTMLElement>, "title"> {
  title?: ReactNode;
  /** Shown right of the title (a link, a control). */
  actions?: ReactNode;
  /** Under the title: what the figure is. */
  description?: ReactNode;
  /** Heading level for the title (landmark structure). */
  level?: 2 | 3;
}

export function Card({
  title,
  actions,
  description,
  level = 2,
  className,
  children,
  ...props
}: CardProps) {
  const Heading = level === 2 ? "h2" : "h3";
  return (
    <section
      className={cn("rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:p-5", className)}
      {...props}
    >
      {(title ?? actions) != null && (
        <div className="mb-3 flex flex-wrap items-start justify-between gap-2">
          <div className="min-w-0">
            {title != null && (
              <Heading className="text-sm font-semibold text-slate-900">{title}</Heading>
            )}
            {description != null && <p className="mt-0.5 text-xs text-slate-600">{description}</p>}
          </div>
          {actions != null && <div className="flex items-center gap-2">{actions}</div>}
        </div>
      )}
      {children}
    </section>
  );
}
