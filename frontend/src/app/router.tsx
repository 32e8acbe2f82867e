import type { QueryClient } from "@tanstack/react-query";
import { createBrowserRouter } from "react-router";
import { prefetchAsk } from "@/features/ask/api";
import { readAskRequest } from "@/features/ask/path";
import { prefetchOverview } from "@/features/overview/queries";
import { LoadingState } from "@/ui/LoadingState";
import { AppShell } from "./AppShell";
import { prefetchIdentity } from "./identity";
import { NotFound, RouteError } from "./RouteError";

// Every page is its own chunk: the first load carries the shell and one page only.
export function routes(queryClient: QueryClient) {
  return [
    {
      path: "/",
      Component: AppShell,
      // Who the key is (GET /me) is asked once, alongside the first page's chunk and requests.
      loader: () => {
        prefetchIdentity(queryClient);
        return null;
      },
      errorElement: <RouteError />,
      HydrateFallback: () => <LoadingState label="Loading the dashboard" />,
      children: [
        {
          index: true,
          // Runs alongside the page chunk's download: the Overview's requests start at once.
          loader: () => {
            prefetchOverview(queryClient);
            return null;
          },
          lazy: () =>
            import("@/features/overview/OverviewPage").then((m) => ({ Component: m.OverviewPage })),
        },
        {
          path: "ask",
          // A question in the URL (a link, the Overview's box) is asked while the page loads.
          loader: ({ request }: { request: Request }) => {
            prefetchAsk(queryClient, readAskRequest(new URL(request.url).searchParams));
            return null;
          },
          lazy: () => import("@/features/ask/AskPage").then((m) => ({ Component: m.AskPage })),
        },
        {
          path: "costs",
          lazy: () =>
            import("@/features/costs/CostExplorerPage").then((m) => ({
              Component: m.CostExplorerPage,
            })),
        },
        {
          path: "usage",
          lazy: () =>
            import("@/features/usage/UsagePage").then((m) => ({ Component: m.UsagePage })),
        },
        {
          path: "anomalies",
          lazy: () =>
            import("@/features/anomalies/AnomaliesPage").then((m) => ({
              Component: m.AnomaliesPage,
            })),
        },
        {
          path: "anomalies/:anomalyId",
          lazy: () =>
            import("@/features/anomalies/AnomalyDetailPage").then((m) => ({
              Component: m.AnomalyDetailPage,
            })),
        },
        {
          path: "recommendations",
          lazy: () =>
            import("@/features/recommendations/RecommendationsPage").then((m) => ({
              Component: m.RecommendationsPage,
            })),
        },
        {
          path: "recommendations/:recommendationId",
          lazy: () =>
            import("@/features/recommendations/RecommendationDetailPage").then((m) => ({
              Component: m.RecommendationDetailPage,
            })),
        },
        {
          path: "savings",
          lazy: () =>
            import("@/features/savings/SavingsPage").then((m) => ({ Component: m.SavingsPage })),
        },
        {
          path: "forecasts",
          lazy: () =>
            import("@/features/forecasts/ForecastsPage").then((m) => ({
              Component: m.ForecastsPage,
            })),
        },
        {
          path: "budgets",
          lazy: () =>
            import("@/features/budgets/BudgetsPage").then((m) => ({ Component: m.BudgetsPage })),
        },
        {
          path: "remediation",
          lazy: () =>
            import("@/features/remediation/RemediationPage").then((m) => ({
              Component: m.RemediationPage,
            })),
        },
        {
          path: "insights",
          lazy: () =>
            import("@/features/insights/InsightsPage").then((m) => ({ Component: m.InsightsPage })),
        },
        {
          path: "audit",
          lazy: () =>
            import("@/features/audit/AuditPage").then((m) => ({ Component: m.AuditPage })),
        },
        {
          path: "settings",
          lazy: () =>
            import("@/features/settings/SettingsPage").then((m) => ({ Component: m.SettingsPage })),
        },
        { path: "*", Component: NotFound },
      ],
    },
  ];
}

export function createRouter(queryClient: QueryClient) {
  return createBrowserRouter(routes(queryClient));
}
