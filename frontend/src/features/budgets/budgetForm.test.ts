import { describe, expect, it } from "vitest";
import { emptyDraft, specFromDraft, validateDraft } from "./budgetForm";

describe("budget form", () => {
  it("mirrors the API's rules before sending", () => {
    const draft = { ...emptyDraft(), scope_type: "tag" as const, scope_key: "team", amount: "0" };
    const errors = validateDraft(draft);
    expect(errors.name).toBeDefined();
    expect(errors.amount).toBeDefined();
    expect(errors.scope_key).toMatch(/KEY=VALUE/);
    expect(
      validateDraft({ ...draft, thresholds: [{ kind: "actual", percent: "1001" }] }).threshold_0,
    ).toBeDefined();
  });

  it("sends amounts as exact decimal strings and no scope key for a total budget", () => {
    const spec = specFromDraft({
      ...emptyDraft(),
      name: " Prod ",
      amount: "15000.10",
      scope_key: "ignored",
    });
    expect(spec).toMatchObject({
      name: "Prod",
      amount: "15000.10",
      scope_type: "total",
      scope_key: null,
    });
    expect(spec.thresholds).toEqual([
      { kind: "actual", percent: "80" },
      { kind: "actual", percent: "100" },
      { kind: "forecast", percent: "100" },
    ]);
    expect(validateDraft({ ...emptyDraft(), name: "ok", amount: "1" })).toEqual({});
  });
});
