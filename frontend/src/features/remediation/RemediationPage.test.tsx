import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockApi } from "@/test/apiMock";
import { remediationAction } from "@/test/fixtures";
import { renderRoute } from "@/test/render";
import { nextSteps } from "./api";
import { RemediationPage } from "./RemediationPage";

describe("Remediation", () => {
  it("shows the dry-run diff and approves with a note", async () => {
    const planned = remediationAction();
    const { requests } = mockApi({
      "GET /api/v1/remediation/actions": {
        items: [planned],
        total: 1,
        limit: 50,
        offset: 0,
        next_offset: null,
      },
      "GET /api/v1/remediation/actions/7": planned,
      "GET /api/v1/remediation/policies": { items: [] },
      "POST /api/v1/remediation/actions/7/approve": {
        ...planned,
        status: "approved",
        approved_by: "api:ops",
      },
    });
    renderRoute(<RemediationPage />, { path: "/remediation" });
    const table = await screen.findByTestId("remediation-table");
    await userEvent.click(within(table).getByRole("button", { name: "i-0abc" }));
    const diff = await screen.findByTestId("remediation-diff");
    expect(within(diff).getByText("running")).toBeInTheDocument();
    expect(within(diff).getByText("stopped")).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Decision note (audited)"), "ok for dev");
    await userEvent.click(screen.getByRole("button", { name: "Approve" }));
    const post = requests.find((r) => r.method === "POST");
    expect(post?.url.pathname).toBe("/api/v1/remediation/actions/7/approve");
    expect(post?.body).toEqual({ note: "ok for dev" });
    expect(await screen.findByText(/the action is now Approved/)).toBeInTheDocument();
  });

  it("offers only the steps the action's state allows", () => {
    expect(nextSteps(remediationAction())).toEqual(["approve", "reject"]);
    expect(nextSteps(remediationAction({ mode: "dry-run" }))).toEqual([]);
    expect(nextSteps(remediationAction({ status: "approved" }))).toEqual(["execute", "reject"]);
    expect(nextSteps(remediationAction({ status: "succeeded", rollback_available: true }))).toEqual(
      ["rollback"],
    );
    expect(nextSteps(remediationAction({ status: "rolled_back" }))).toEqual([]);
  });
});
