import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { mockApi } from "@/test/apiMock";
import {
  anomaly,
  budgets,
  costRow,
  costs,
  projection,
  recommendation,
  summary,
} from "@/test/fixtures";
import { renderRoute } from "@/test/render";
import { OverviewPage } from "./OverviewPage";

function overviewApi() {
  return mockApi({
    "GET /api/v1/costs/summary": summary,
    "GET /api/v1/projections/month-end": projection,
    "GET /api/v1/costs": costs([costRow("2026-11-20", { service: "EC2" }, "100.50")], "100.50"),
    "GET /api/v1/budgets": budgets,
    "GET /api/v1/anomalies": { items: [anomaly], limit: 50, offset: 0 },
    "GET /api/v1/insights": { items: [] },
    // SQLite orders the decimal text lexically: the page must order exactly itself
    "GET /api/v1/recommendations": {
      items: [
        recommendation(1, "9.01833"),
        recommendation(2, "57.67"),
        recommendation(3, "478.15"),
      ],
      total: 3,
      limit: 100,
      offset: 0,
      next_offset: null,
    },
    "GET /api/v1/savings": { recommendations: [], accounts: [], totals: [] },
  });
}

describe("Overview", () => {
  it("shows month to date, the change and the month-end forecast from the API", async () => {
    overviewApi();
    renderRoute(<OverviewPage />);
    expect(await screen.findByTestId("mtd")).toHaveTextContent("$11,151.87");
    expect(screen.getByTestId("mtd")).toHaveAttribute("data-value", "11151.8748921067");
    expect(screen.getByText(/\+\$1,079\.52 \(\+10\.7%\)/)).toBeInTheDocument();
    expect(await screen.findByTestId("projected")).toHaveTextContent("$12,724.24");
    expect(screen.getByText(/80%: \$12,057\.37 – \$13,391\.12/)).toBeInTheDocument();
  });

  it("lists budgets, anomalies, and the biggest recommendations in exact order", async () => {
    overviewApi();
    renderRoute(<OverviewPage />);
    const budgetsList = await screen.findByTestId("overview-budgets");
    expect(within(budgetsList).getByRole("meter")).toHaveAttribute("aria-valuenow", "74.35");
    expect(await screen.findByText("Account 793126855903")).toBeInTheDocument();
    const recs = await screen.findByTestId("overview-recommendations");
    const savings = within(recs)
      .getAllByText(/\$\d/)
      .map((el) => el.textContent);
    expect(savings).toEqual(["$478.15", "$57.67", "$9.02"]);
  });

  it("shows empty states instead of blanks", async () => {
    overviewApi();
    renderRoute(<OverviewPage />);
    expect(await screen.findByText("No applied recommendations yet")).toBeInTheDocument();
    expect(await screen.findByText(/No movers computed yet/)).toBeInTheDocument();
  });

  it("asks for a key when the API refuses it", async () => {
    mockApi({});
    const unauthenticated = {
      status: 401,
      body: { error: { code: "unauthenticated", message: "unknown API key", details: {} } },
    };
    mockApi({
      "GET /api/v1/costs/summary": unauthenticated,
      "GET /api/v1/projections/month-end": unauthenticated,
      "GET /api/v1/costs": unauthenticated,
      "GET /api/v1/budgets": unauthenticated,
      "GET /api/v1/anomalies": unauthenticated,
      "GET /api/v1/insights": unauthenticated,
      "GET /api/v1/recommendations": unauthenticated,
      "GET /api/v1/savings": unauthenticated,
    });
    renderRoute(<OverviewPage />);
    expect((await screen.findAllByText("API key needed")).length).toBeGreaterThan(0);
    expect(screen.getAllByRole("link", { name: "Change API key" })[0]).toHaveAttribute(
      "href",
      "/settings",
    );
  });
});
