import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockApi } from "@/test/apiMock";
import { budgets, me } from "@/test/fixtures";
import { renderRoute } from "@/test/render";
import { BudgetsPage } from "./BudgetsPage";

describe("Budgets", () => {
  it("shows status against actual and forecast", async () => {
    mockApi({ "GET /api/v1/budgets": budgets });
    renderRoute(<BudgetsPage />);
    expect(await screen.findByTestId("budget-actual")).toHaveTextContent("$11,151.87");
    expect(screen.getByTestId("budget-forecast")).toHaveTextContent("$12,724.24");
    expect(screen.getByRole("meter")).toHaveAttribute("aria-valuenow", "74.35");
  });

  it("validates before creating, then posts exact amounts", async () => {
    const { requests } = mockApi({
      "GET /api/v1/me": me("admin"),
      "GET /api/v1/budgets": budgets,
      "POST /api/v1/budgets": { status: 201, body: budgets.items[0] },
    });
    renderRoute(<BudgetsPage />);
    await userEvent.click(await screen.findByRole("button", { name: "New budget" }));
    await userEvent.click(screen.getByRole("button", { name: "Create budget" }));
    expect(screen.getByText("A name")).toBeInTheDocument();
    expect(requests.some((r) => r.method === "POST")).toBe(false);
    await userEvent.type(screen.getByLabelText("Name"), "Payments prod");
    await userEvent.selectOptions(screen.getByLabelText("Scope"), "account");
    await userEvent.type(screen.getByLabelText("Scope value"), "375743119449");
    await userEvent.type(screen.getByLabelText("Amount per period"), "5000.10");
    await userEvent.click(screen.getByRole("button", { name: "Create budget" }));
    const post = requests.find((r) => r.method === "POST");
    expect(post?.body).toMatchObject({
      name: "Payments prod",
      scope_type: "account",
      scope_key: "375743119449",
      amount: "5000.10",
    });
  });

  it("offers create, edit and delete to an admin only", async () => {
    mockApi({ "GET /api/v1/me": me("operator", "ops"), "GET /api/v1/budgets": budgets });
    renderRoute(<BudgetsPage />);
    expect(await screen.findByTestId("role-note")).toHaveTextContent(
      "Creating, editing or deleting a budget needs the admin role; this key (ops) is an operator.",
    );
    expect(screen.getByTestId("budget-actual")).toBeInTheDocument();
    for (const name of ["New budget", "Edit", "Delete"]) {
      expect(screen.queryByRole("button", { name })).not.toBeInTheDocument();
    }
  });

  it("shows an admin the budget buttons and no note", async () => {
    mockApi({ "GET /api/v1/me": me("admin"), "GET /api/v1/budgets": budgets });
    renderRoute(<BudgetsPage />);
    expect(await screen.findByRole("button", { name: "New budget" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Edit" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Delete" })).toBeInTheDocument();
    expect(screen.queryByTestId("role-note")).not.toBeInTheDocument();
  });
});
