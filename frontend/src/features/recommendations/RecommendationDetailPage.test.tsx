import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockApi } from "@/test/apiMock";
import { me, recommendation } from "@/test/fixtures";
import { renderRoute } from "@/test/render";
import { RecommendationDetailPage } from "./RecommendationDetailPage";

describe("Recommendation detail", () => {
  it("shows the configuration change and accepts with a note", async () => {
    const { requests } = mockApi({
      "GET /api/v1/me": me("operator"),
      "GET /api/v1/recommendations/5": recommendation(5, "57.67"),
      "GET /api/v1/usage": { items: [], total: 0, limit: 1000, offset: 0, next_offset: null },
      "POST /api/v1/recommendations/5/accept": recommendation(5, "57.67", { status: "accepted" }),
    });
    renderRoute(<RecommendationDetailPage />, {
      path: "/recommendations/5",
      pattern: "/recommendations/:recommendationId",
    });
    expect(await screen.findByTestId("rec-saving")).toHaveTextContent("$57.67");
    expect(screen.getByText("r5a.large")).toBeInTheDocument();
    await userEvent.click(await screen.findByRole("button", { name: "Accept" }));
    const dialog = within(screen.getByRole("dialog"));
    await userEvent.type(dialog.getByLabelText("Note (audited)"), "right-size in next window");
    await userEvent.click(dialog.getByRole("button", { name: "Accept" }));
    const post = requests.find((r) => r.method === "POST");
    expect(post?.url.pathname).toBe("/api/v1/recommendations/5/accept");
    expect(post?.body).toEqual({ note: "right-size in next window" });
    expect(await screen.findByText("Accepted")).toBeInTheDocument();
  });

  it("shows a viewer a note instead of the actions", async () => {
    mockApi({
      "GET /api/v1/me": me("viewer", "finance"),
      "GET /api/v1/recommendations/5": recommendation(5, "57.67"),
      "GET /api/v1/usage": { items: [], total: 0, limit: 1000, offset: 0, next_offset: null },
    });
    renderRoute(<RecommendationDetailPage />, {
      path: "/recommendations/5",
      pattern: "/recommendations/:recommendationId",
    });
    expect(await screen.findByTestId("role-note")).toHaveTextContent(
      "needs the operator role; this key (finance) is a viewer.",
    );
    expect(screen.getByTestId("rec-saving")).toHaveTextContent("$57.67");
    for (const name of ["Accept", "Mark applied", "Dismiss"]) {
      expect(screen.queryByRole("button", { name })).not.toBeInTheDocument();
    }
  });

  it("falls back to the API's 403 when /me cannot say who the key is", async () => {
    // no GET /me mock: the fake API answers 404 (an older server), so the actions are offered
    mockApi({
      "GET /api/v1/recommendations/5": recommendation(5, "57.67"),
      "GET /api/v1/usage": { items: [], total: 0, limit: 1000, offset: 0, next_offset: null },
      "POST /api/v1/recommendations/5/dismiss": {
        status: 403,
        body: {
          error: {
            code: "permission_denied",
            message: "this route needs the operator role",
            details: {},
          },
        },
      },
    });
    renderRoute(<RecommendationDetailPage />, {
      path: "/recommendations/5",
      pattern: "/recommendations/:recommendationId",
    });
    await userEvent.click(await screen.findByRole("button", { name: "Dismiss" }));
    await userEvent.click(
      within(screen.getByRole("dialog")).getByRole("button", { name: "Dismiss" }),
    );
    expect(await screen.findByText("Not allowed for this key")).toBeInTheDocument();
    expect(screen.getByText("this route needs the operator role")).toBeInTheDocument();
  });
});
