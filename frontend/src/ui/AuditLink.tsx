import type { ReactNode } from "react";
import { Link } from "react-router";
import { cn } from "./cn";

/** A link to the audit log filtered to one entity (its whole history). */
export function AuditLink({
  entityType,
  entityId,
  children = "History in the audit log",
  className,
}: {
  entityType: string;
  entityId: string | number;
  children?: ReactNode;
  className?: string;
}) {
  const search = new URLSearchParams({ entity_type: entityType, entity_id: String(entityId) });
  return (
    <p className={cn("text-xs", className)}>
      <Link
        to={`/audit?${search.toString()}`}
        className="font-medium text-teal-800 hover:underline"
      >
        {children}
      </Link>
    </p>
  );
}
