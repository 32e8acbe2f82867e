import type { UseQueryResult } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import { ApiError } from "@/api/client";
import { Money } from "./Money";
import { QueryState } from "./QueryState";

function query<T>(partial: Partial<UseQueryResult<T>>): UseQueryResult<T> {
  return {
    isPending: false,
    isError: false,
    data: undefined,
    error: null,
    refetch: () => Promise.resolve(),
    ...partial,
  } as unknown as UseQueryResult<T>;
}

describe("QueryState", () => {
  it("announces loading", () => {
    render(<QueryState query={query({ isPending: true })}>{() => "data"}</QueryState>);
    expect(screen.getByRole("status")).toHaveAttribute("aria-busy", "true");
  });

  it("shows the API's error message with a retry", () => {
    const error = new ApiError(
      400,
      "invalid_input",
      "parameter 'end': a date after start",
      "/api/v1/costs",
    );
    render(
      <MemoryRouter>
        <QueryState query={query({ isError: true, error })}>{() => "data"}</QueryState>
      </MemoryRouter>,
    );
    expect(screen.getByRole("alert")).toHaveTextContent("parameter 'end': a date after start");
    expect(screen.getByRole("button", { name: "Retry" })).toBeInTheDocument();
  });

  it("shows an empty state, then data", () => {
    const { rerender } = render(
      <QueryState
        query={query({ data: [] as number[] })}
        isEmpty={(d) => d.length === 0}
        empty="Nothing yet"
      >
        {(d) => d.join(",")}
      </QueryState>,
    );
    expect(screen.getByText("Nothing yet")).toBeInTheDocument();
    rerender(
      <QueryState query={query({ data: [1, 2] })} isEmpty={(d) => d.length === 0}>
        {(d) => d.join(",")}
      </QueryState>,
    );
    expect(screen.getByText("1,2")).toBeInTheDocument();
  });
});

describe("Money", () => {
  it("shows the rounded figure and keeps the exact one for tracing", () => {
    render(<Money value="1234.5600001" currency="USD" testId="m" />);
    const el = screen.getByTestId("m");
    expect(el).toHaveTextContent("$1,234.56");
    expect(el).toHaveAttribute("data-value", "1234.5600001");
    expect(el).toHaveAttribute("title", "$1,234.5600001 (exact)");
  });
});
