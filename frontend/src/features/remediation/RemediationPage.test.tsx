import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockApi } from "@/test/apiMock";
import { listPage, me, remediationAction } from "@/test/fixtures";
import { renderRoute } from "@/test/render";
import { nextSteps } from "./api";
import { RemediationPage } from "./RemediationPage";

describe("Remediation", () => {
  it("shows the dry-run diff and approves with a note", async () => {
    const planned = remediationAction();
    const { requests } = mockApi({
      "GET /api/v1/me": me("operator"),
      "GET /api/v1/remediation/actions": listPage([planned]),
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

  it("shows a viewer the diff and a note instead of the decision buttons", async () => {
    const planned = remediationAction();
    mockApi({
      "GET /api/v1/me": me("viewer", "auditor"),
      "GET /api/v1/remediation/actions": listPage([planned]),
      "GET /api/v1/remediation/actions/7": planned,
      "GET /api/v1/remediation/policies": {
        items: [
          {
            name: "idle-ec2-stop-dev",
            description: null,
            mode: "approval",
            enabled: true,
          },
        ],
      },
    });
    renderRoute(<RemediationPage />, { path: "/remediation?action=7" });
    await screen.findByTestId("remediation-diff");
    await waitFor(() => {
      expect(screen.getAllByTestId("role-note")).toHaveLength(2);
    });
    const notes = screen.getAllByTestId("role-note");
    // the policies card (left column) comes first, then the action's panel
    expect(notes.map((n) => n.textContent)).toEqual([
      "Planning a policy now needs the operator role; this key (auditor) is a viewer. Change key",
      "Approving, rejecting, executing or rolling back an action needs the operator role; this key (auditor) is a viewer. Change key",
    ]);
    expect(screen.queryByRole("button", { name: "Approve" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Reject" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Plan now" })).not.toBeInTheDocument();
    expect(screen.queryByLabelText("Decision note (audited)")).not.toBeInTheDocument();
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
