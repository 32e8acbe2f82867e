import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { setApiKey } from "@/api/apiKey";

/** Renders `element` at `path` (matching `pattern`) with a fresh query cache and an API key. */
export function renderRoute(
  element: ReactElement,
  { path = "/", pattern = "*" }: { path?: string; pattern?: string } = {},
) {
  setApiKey("fo_test_key");
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false, staleTime: Infinity }, mutations: { retry: false } },
  });
  const router = createMemoryRouter([{ path: pattern, element }], { initialEntries: [path] });
  const result = render(
    <QueryClientProvider client={client}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { ...result, router, client };
}
