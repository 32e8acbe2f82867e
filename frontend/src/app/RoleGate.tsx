import type { ReactNode } from "react";
import { Link } from "react-router";
import { cn } from "@/ui/cn";
import { ROUTE_ROLES, useIdentity, usePermission, type GatedRoute } from "./identity";

/** "Approving … needs the operator role; this key (ci) is a viewer. Change key" */
export function RoleNote({
  route,
  what,
  className,
}: {
  route: GatedRoute;
  /** The subject of "… needs the operator role". */
  what: string;
  className?: string;
}) {
  const me = useIdentity().data;
  const role = me?.role ?? "viewer";
  return (
    <p className={cn("text-xs text-slate-600", className)} data-testid="role-note">
      {what} needs the <strong className="font-semibold">{ROUTE_ROLES[route]}</strong> role; this
      key{me ? ` (${me.name})` : ""} is {/^[aeiou]/.test(role) ? "an" : "a"} {role}.{" "}
      <Link to="/settings" className="text-teal-800 underline hover:no-underline">
        Change key
      </Link>
    </p>
  );
}

/**
 * `children` (an action's controls) when the key's role allows `route`, a `RoleNote` when it
 * does not, nothing while the role is not known yet. When `/me` failed the children are shown:
 * the API still answers 403 to a key below the route's role, and the action's error says so.
 */
export function RoleGate({
  route,
  what,
  children,
  className,
}: {
  route: GatedRoute;
  what: string;
  children: ReactNode;
  className?: string;
}) {
  const permission = usePermission(route);
  if (permission === "pending") return null;
  if (permission === "denied") return <RoleNote route={route} what={what} className={className} />;
  return <>{children}</>;
}
