import type { ReactNode } from "react";

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-md border border-dashed border-slate-300 px-4 py-6 text-center">
      <p className="text-sm font-medium text-slate-800">{title}</p>
      {children != null && <div className="mt-1 text-sm text-slate-600">{children}</div>}
    </div>
  );
}
