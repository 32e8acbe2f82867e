import { Link, useRouteError } from "react-router";
import { Card } from "@/ui/Card";
import { ErrorState } from "@/ui/ErrorState";

export function RouteError() {
  const error = useRouteError();
  return (
    <div className="mx-auto max-w-xl p-6">
      <ErrorState error={error} />
      <Link to="/" className="mt-3 inline-block text-sm text-teal-800 underline">
        Back to the overview
      </Link>
    </div>
  );
}

export function NotFound() {
  return (
    <Card title="Page not found">
      <p className="text-sm text-slate-700">
        No page here.{" "}
        <Link to="/" className="text-teal-800 underline">
          Go to the overview
        </Link>
        .
      </p>
    </Card>
  );
}
