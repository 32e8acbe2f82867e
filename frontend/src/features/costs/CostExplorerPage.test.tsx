import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockApi } from "@/test/apiMock";
import { costRow, costs, tags } from "@/test/fixtures";
import { renderRoute } from "@/test/render";
import { CostExplorerPage } from "./CostExplorerPage";

function explorerApi() {
  return mockApi({
    "GET /api/v1/costs": (url: URL) => {
      // rows keyed by the dimension asked for, as the API does
      const dim = url.searchParams.get("group_by") ?? "service";
      const keys = (value: string) => ({ [dim]: value });
      const answer = (body: ReturnType<typeof costs>) => ({
        ...body,
        query: { ...body.query, group_by: [dim] },
      });
      if (url.searchParams.has("granularity")) {
        return answer(
          costs(
            [
              costRow("2026-10-01", keys("EC2"), "7205.8586096"),
              costRow("2026-10-01", keys("Lambda"), "1507.2504994896"),
              costRow("2026-11-01", keys("EC2"), "6026.230232"),
            ],
            "14739.3393410896",
          ),
        );
      }
      return answer(
        costs(
          [
            costRow("2026-06-01", keys("EC2"), "13232.0888416"),
            costRow("2026-06-01", keys("Lambda"), "1507.2504994896"),
          ],
          "14739.3393410896",
        ),
      );
    },
    "GET /api/v1/tags": tags,
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
      "GET /api/v1/tags": { items: [] },
    });
    renderRoute(<CostExplorerPage />, { path: "/costs" });
    expect(
      (await screen.findAllByText("No cost in this range for these filters")).length,
    ).toBeGreaterThan(0);
  });

  it("offers the tag keys of GET /tags, most common first, to group and filter by", async () => {
    const { requests } = explorerApi();
    const { router } = renderRoute(<CostExplorerPage />, {
      path: "/costs?start=2026-10-01&end=2026-11-27&granularity=month&group_by=service",
    });
    const groupBy = await screen.findByLabelText("Group by");
    const tagGroup = await within(groupBy).findByRole("group", {
      name: "Tags, most common first",
    });
    expect(
      within(tagGroup)
        .getAllByRole("option")
        .map((o) => o.textContent),
    ).toEqual(["team (830 resources)", "env (412 resources)"]);
    expect(requests.some((r) => r.url.pathname === "/api/v1/resources")).toBe(false);
    await userEvent.selectOptions(groupBy, "tag:env");
    expect(new URLSearchParams(router.state.location.search).get("group_by")).toBe("tag:env");
    await userEvent.click(screen.getByRole("button", { name: "Add filter" }));
    const dialog = within(screen.getByRole("dialog"));
    expect(dialog.getByLabelText("Dimension")).toHaveValue("tag:env");
    expect(
      dialog.getByText("On 412 resources; most common values: dev, prod, staging (and 2 more)."),
    ).toBeInTheDocument();
    expect(await dialog.findByText("EC2")).toBeInTheDocument();
  });
});
