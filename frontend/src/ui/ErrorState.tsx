import { Link } from "react-router";
import { ApiError } from "@/api/client";
import { Button } from "./Button";

function describe(error: unknown): { heading: string; message: string } {
  if (error instanceof ApiError) {
    if (error.isAuth) return { heading: "API key needed", message: error.message };
    if (error.isForbidden) return { heading: "Not allowed for this key", message: error.message };
    if (error.status === 404) return { heading: "Not found", message: error.message };
    if (error.status === 503) return { heading: "Service unavailable", message: error.message };
    return { heading: `Request failed (${error.code})`, message: error.message };
  }
  if (error instanceof TypeError) {
    return {
      heading: "Cannot reach the API",
      message: "Is `finops serve` or `finops demo` running?",
    };
  }
  return {
    heading: "Something went wrong",
    message: error instanceof Error ? error.message : String(error),
  };
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { heading, message } = describe(error);
  return (
    <div role="alert" className="rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm">
      <p className="font-medium text-red-900">{heading}</p>
      <p className="mt-0.5 break-words text-red-800">{message}</p>
      <div className="mt-2 flex gap-2">
        {error instanceof ApiError && (error.isAuth || error.isForbidden) ? (
          <Link
            to="/settings"
            className="inline-flex h-8 items-center rounded-md bg-white px-2.5 text-sm font-medium text-slate-800 ring-1 ring-slate-300 ring-inset hover:bg-slate-50"
          >
            Change API key
          </Link>
        ) : (
          onRetry && (
            <Button size="sm" onClick={onRetry}>
              Retry
            </Button>
          )
        )}
      </div>
    </div>
  );
}
