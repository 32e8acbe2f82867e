import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockApi } from "@/test/apiMock";
import { emptySavings, savingsDay } from "@/test/fixtures";
import { renderRoute } from "@/test/render";
import { SavingsPage } from "./SavingsPage";

const applied = {
  recommendations: [
    {
      recommendation_id: 5,
      resource_id: "i-0abc",
      account_id: "123456789012",
      applied_on: "2026-11-01",
      baseline_start: "2026-10-18",
      baseline_end: "2026-11-01",
      baseline_days: 14,
      billing_currency: "USD",
      baseline_daily_cost: "18.43",
      estimated_monthly_saving: "478.15",
      estimated_daily_saving: "15.72",
      kind: "ec2_rightsize",
      action: "modify",
      days_tracked: 3,
      last_day: "2026-11-03",
      estimated_to_date: "47.16",
      realized_to_date: "30.1",
      realization_rate: "0.6383",
    },
  ],
  accounts: [
    {
      account_id: "123456789012",
      billing_currency: "USD",
      recommendations: 1,
      estimated_monthly_saving: "478.15",
      estimated_to_date: "47.16",
      realized_to_date: "30.1",
      realization_rate: "0.6383",
    },
  ],
  totals: [
    {
      billing_currency: "USD",
      recommendations: 1,
      estimated_monthly_saving: "478.15",
      estimated_to_date: "47.16",
      realized_to_date: "30.1",
      realization_rate: "0.6383",
    },
  ],
};

const daily = {
  items: [
    savingsDay("2026-11-01", "15.72", "10.1"),
    savingsDay("2026-11-02", "15.72", "10.000000001"),
    savingsDay("2026-11-03", "15.72", "0", { billed: 0 }),
  ],
};

describe("Savings", () => {
  it("charts estimated vs realized per day with exact sums over the range", async () => {
    const { requests } = mockApi({
      "GET /api/v1/savings": applied,
      "GET /api/v1/savings/daily": daily,
    });
    renderRoute(<SavingsPage />, { path: "/savings" });
    expect(await screen.findByTestId("savings-daily-estimated-USD")).toHaveAttribute(
      "data-value",
      "47.16",
    );
    // the third day's bill is not in: its "0" is not counted as realized
    expect(screen.getByTestId("savings-daily-realized-USD")).toHaveAttribute(
      "data-value",
      "20.100000001",
    );
    expect(screen.getByTestId("savings-daily-chart-USD")).toBeInTheDocument();
    const table = screen.getByTestId("savings-daily-table-USD");
    expect(within(table).getAllByRole("row")).toHaveLength(4);
    expect(table.querySelector('tr[data-day="2026-11-03"]')).toHaveTextContent("bill not in");
    expect(screen.getByTestId("savings-realized")).toHaveAttribute("data-value", "30.1");
    const request = requests.find((r) => r.url.pathname === "/api/v1/savings/daily");
    expect([...(request?.url.searchParams.keys() ?? [])]).toEqual([]);
  });

  it("keeps the view, range and account in the URL and sends them to the API", async () => {
    const { requests } = mockApi({
      "GET /api/v1/savings": applied,
      "GET /api/v1/savings/daily": daily,
    });
    const { router } = renderRoute(<SavingsPage />, {
      path: "/savings?start=2026-11-01&end=2026-11-03",
    });
    await screen.findByTestId("savings-daily-chart-USD");
    await userEvent.click(screen.getByRole("radio", { name: "Cumulative" }));
    expect(router.state.location.search).toContain("view=cumulative");
    expect(screen.getByTestId("savings-daily-table-USD")).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText("Account"), "123456789012");
    const search = new URLSearchParams(router.state.location.search);
    expect(search.get("account_id")).toBe("123456789012");
    await screen.findByTestId("savings-daily-chart-USD");
    const last = requests.filter((r) => r.url.pathname === "/api/v1/savings/daily").at(-1);
    expect(Object.fromEntries(last?.url.searchParams ?? [])).toEqual({
      start: "2026-11-01",
      end: "2026-11-03",
      account_id: "123456789012",
    });
    expect(
      requests.some(
        (r) =>
          r.url.pathname === "/api/v1/savings" &&
          r.url.searchParams.get("account_id") === "123456789012",
      ),
    ).toBe(true);
  });

  it("says what would fill it when nothing is applied yet", async () => {
    mockApi({
      "GET /api/v1/savings": emptySavings,
      "GET /api/v1/savings/daily": { items: [] },
    });
    renderRoute(<SavingsPage />, { path: "/savings" });
    expect(await screen.findByText("No savings tracked yet")).toBeInTheDocument();
    expect(await screen.findByText("No applied recommendations yet")).toBeInTheDocument();
  });
});
