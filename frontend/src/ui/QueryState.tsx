import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { EmptyState } from "./EmptyState";
import { ErrorState } from "./ErrorState";
import { LoadingState } from "./LoadingState";

/**
 * Loading, error and empty states of one query, then `children(data)`. Every panel that shows
 * API data goes through this, so none is left blank.
 */
export function QueryState<T>({
  query,
  isEmpty,
  empty,
  loadingRows,
  children,
}: {
  query: UseQueryResult<T>;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  loadingRows?: number;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <LoadingState rows={loadingRows} />;
  if (query.isError) {
    return (
      <ErrorState
        error={query.error}
        onRetry={() => {
          void query.refetch();
        }}
      />
    );
  }
  if (isEmpty?.(query.data)) {
    return typeof empty === "string" || empty == null ? (
      <EmptyState title={typeof empty === "string" ? empty : "Nothing here yet"} />
    ) : (
      <>{empty}</>
    );
  }
  return <>{children(query.data)}</>;
}
