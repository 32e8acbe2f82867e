import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockApi } from "@/test/apiMock";
import { costRow, costs } from "@/test/fixtures";
import { renderRoute } from "@/test/render";
import { CostExplorerPage } from "./CostExplorerPage";

function explorerApi() {
  return mockApi({
    "GET /api/v1/costs": (url: URL) => {
      if (url.searchParams.has("granularity")) {
        return costs(
          [
            costRow("2026-10-01", { service: "EC2" }, "7205.8586096"),
            costRow("2026-10-01", { service: "Lambda" }, "1507.2504994896"),
            costRow("2026-11-01", { service: "EC2" }, "6026.230232"),
          ],
          "14739.3393410896",
        );
      }
      return costs(
        [
          costRow("2026-06-01", { service: "EC2" }, "13232.0888416"),
          costRow("2026-06-01", { service: "Lambda" }, "1507.2504994896"),
        ],
        "14739.3393410896",
      );
    },
    "GET /api/v1/resources": { items: [], total: 0, limit: 1000, offset: 0, next_offset: null },
  });
}

describe("Cost explorer", () => {
  it("queries the API with the view in the URL and shows its totals", async () => {
    const { requests } = explorerApi();
    renderRoute(<CostExplorerPage />, {
      path: "/costs?start=2026-10-01&end=2026-11-27&granularity=month&group_by=service&metric=effective&limit=10",
    });
    expect(await screen.findByTestId("total-effective")).toHaveTextContent("$14,739.34");
    const table = await screen.findByTestId("cost-groups-table");
    expect(within(table).getByText("EC2")).toBeInTheDocument();
    // effective, billed and list are equal in this fixture
    expect(within(table).getAllByText("$13,232.09")).toHaveLength(3);
    const series = requests.find((r) => r.url.searchParams.get("granularity") === "month");
    expect(series?.url.searchParams.get("start")).toBe("2026-10-01");
    expect(series?.url.searchParams.getAll("group_by")).toEqual(["service"]);
  });

  it("changing the cost metric updates the URL and the request", async () => {
    const { requests } = explorerApi();
    const { router } = renderRoute(<CostExplorerPage />, {
      path: "/costs?start=2026-10-01&end=2026-11-27&granularity=month&group_by=service",
    });
    await screen.findByTestId("total-effective");
    await userEvent.click(screen.getByRole("radio", { name: "Billed" }));
    expect(router.state.location.search).toContain("metric=billed");
    await screen.findByTestId("total-effective");
    expect(requests.some((r) => r.url.searchParams.get("metric") === "billed")).toBe(true);
  });

  it("drills into a group: filters to it and breaks it down by the next dimension", async () => {
    explorerApi();
    const { router } = renderRoute(<CostExplorerPage />, {
      path: "/costs?start=2026-10-01&end=2026-11-27&granularity=month&group_by=service",
    });
    const table = await screen.findByTestId("cost-groups-table");
    await userEvent.click(within(table).getByRole("button", { name: "EC2" }));
    const search = new URLSearchParams(router.state.location.search);
    expect(search.get("filter[service]")).toBe("EC2");
    expect(search.get("group_by")).toBe("account");
  });

  it("shows an empty state when nothing matches", async () => {
    mockApi({
      "GET /api/v1/costs": { ...costs([], "0.00"), totals: [] },
      "GET /api/v1/resources": { items: [], total: 0, limit: 1000, offset: 0, next_offset: null },
    });
    renderRoute(<CostExplorerPage />, { path: "/costs" });
    expect(
      (await screen.findAllByText("No cost in this range for these filters")).length,
    ).toBeGreaterThan(0);
  });
});
