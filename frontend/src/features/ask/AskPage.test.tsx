import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Schemas } from "@/api/client";
import { mockApi } from "@/test/apiMock";
import { askClarify, askRefused, askRising, askSeries, askTotal } from "@/test/fixtures";
import { renderRoute } from "@/test/render";
import { AskBox } from "./AskBox";
import { AskPage } from "./AskPage";
import { clearAskHistory } from "./history";

type AskResponse = Schemas["AskResponse"];

/** POST /ask answering by question (a clarifying answer for any other). */
function askApi(answers: Record<string, AskResponse>) {
  return mockApi({
    "POST /api/v1/ask": async (_url: URL, request: Request) => {
      const body = (await request.json()) as { question: string; as_of: string | null };
      const answer = answers[body.question];
      return answer ?? { ...askClarify, question: body.question };
    },
  });
}

function askPath(question: string, asOf?: string) {
  const search = new URLSearchParams({ q: question });
  if (asOf) search.set("as_of", asOf);
  return `/ask?${search.toString()}`;
}

beforeEach(() => {
  clearAskHistory();
});

describe("Ask", () => {
  it("shows an answered question's rows, exact, with previous → current and the change", async () => {
    const { requests } = askApi({ [askRising.question]: askRising });
    renderRoute(<AskPage />, { path: askPath(askRising.question, "2026-12-03") });
    const answer = await screen.findByTestId("ask-answer");
    expect(answer).toHaveAttribute("data-status", "answered");
    expect(requests[0]?.body).toEqual({ question: askRising.question, as_of: "2026-12-03" });
    expect(within(answer).getByTestId("ask-message")).toHaveTextContent(
      "2 service value(s) rose most",
    );

    const rows = within(screen.getByTestId("ask-rows")).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.getAttribute("data-group"))).toEqual([
      "AWS Lambda",
      "Amazon Elastic Compute Cloud",
    ]);
    const lambda = rows[0];
    if (!lambda) throw new Error("no row");
    expect(within(lambda).getByTestId("ask-row-previous")).toHaveTextContent("$2,655.75");
    expect(within(lambda).getByTestId("ask-row-current")).toHaveTextContent("$3,771.57");
    const change = within(lambda).getByTestId("ask-row-value");
    expect(change).toHaveTextContent("+$1,115.81");
    // the API's exact text, never a float
    expect(change).toHaveAttribute("data-value", "1115.8143655352");
    expect(change).toHaveAttribute("title", "$1,115.8143655352 (exact)");
    expect(within(lambda).getByTestId("ask-row-change-percent")).toHaveTextContent("+42%");
    expect(screen.getByRole("columnheader", { name: "the 60 days before" })).toBeInTheDocument();
    expect(screen.getByRole("columnheader", { name: "the last 60 days" })).toBeInTheDocument();

    // ranked rows: a bar chart (previous and current per service)
    expect(screen.getByTestId("ask-chart")).toBeInTheDocument();
  });

  it("shows how the question was read, the request line and the CLI command", async () => {
    askApi({ [askRising.question]: askRising });
    renderRoute(<AskPage />, { path: askPath(askRising.question) });
    const plan = await screen.findByTestId("ask-plan");
    expect(within(plan).getByText("How this was read")).toBeInTheDocument();
    expect(plan).toHaveTextContent("rising — The groups whose cost rose most");
    expect(plan).toHaveTextContent(
      "the last 60 days: 2026-10-04 to 2026-12-03 (end exclusive; Oct 4 – Dec 2, 2026)",
    );
    expect(plan).toHaveTextContent("the 60 days before: 2026-08-05 to 2026-10-04");
    expect(plan).toHaveTextContent("MetricEffective cost");
    expect(plan).toHaveTextContent("Group byService");
    expect(plan).toHaveTextContent("FiltersNone");
    expect(plan).toHaveTextContent("N5");
    expect(screen.getByTestId("ask-as-of")).toHaveAttribute("data-value", "2026-12-03");

    const sources = screen.getAllByTestId("ask-source");
    expect(sources.map((s) => s.textContent)).toEqual([
      "GET /api/v1/costs/changes?start=2026-10-04&end=2026-12-03&metric=effective&group_by=service&previous_start=2026-08-05&previous_end=2026-10-04&direction=rising&limit=5",
    ]);
    // /costs/changes has no page of its own: no explorer link
    expect(screen.queryByRole("link", { name: "Open in Cost explorer" })).not.toBeInTheDocument();
    expect(screen.getByTestId("ask-cli")).toHaveTextContent(askRising.cli ?? "");
  });

  it("copies the CLI command", async () => {
    askApi({ [askRising.question]: askRising });
    const user = userEvent.setup();
    renderRoute(<AskPage />, { path: askPath(askRising.question) });
    await user.click(await screen.findByRole("button", { name: "Copy command" }));
    expect(await screen.findByText("Copied")).toBeInTheDocument();
    expect(await navigator.clipboard.readText()).toBe(askRising.cli);
  });

  it("draws a single figure as a big number, and links a /costs source to the explorer", async () => {
    askApi({ [askTotal.question]: askTotal });
    renderRoute(<AskPage />, { path: askPath(askTotal.question) });
    const value = await screen.findByTestId("ask-value");
    expect(value).toHaveTextContent("$2,422.44");
    expect(value).toHaveAttribute("data-value", "2422.4415029175");
    expect(screen.getByText("Effective cost, November 2026")).toBeInTheDocument();
    expect(screen.queryByTestId("ask-chart")).not.toBeInTheDocument();
    expect(screen.getByTestId("ask-plan")).toHaveTextContent("FiltersService: AWS Lambda");
    expect(screen.getByTestId("ask-source")).toHaveTextContent(
      "GET /api/v1/costs?start=2026-11-01&end=2026-12-01&metric=effective&filter[service]=AWS%20Lambda",
    );
    const link = screen.getByRole("link", { name: "Open in Cost explorer" });
    const url = new URL(link.getAttribute("href") ?? "", "http://local");
    expect(url.pathname).toBe("/costs");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      start: "2026-11-01",
      end: "2026-12-01",
      granularity: "total",
      group_by: "",
      "filter[service]": "AWS Lambda",
      metric: "effective",
    });
  });

  it("draws a series as a line with a row per day", async () => {
    askApi({ [askSeries.question]: askSeries });
    renderRoute(<AskPage />, { path: askPath(askSeries.question) });
    expect(await screen.findByTestId("ask-chart")).toBeInTheDocument();
    const rows = within(screen.getByTestId("ask-rows")).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.textContent)).toEqual(["Dec 1, 2026$203.26", "Dec 2, 2026$259.34"]);
    expect(screen.getByRole("columnheader", { name: "Day" })).toBeInTheDocument();
    expect(screen.getByTestId("ask-value")).toHaveAttribute("data-value", "462.5951936");
  });

  it("asks on Enter, is disabled while waiting, and lists the question in the history", async () => {
    let release: (value: AskResponse) => void = () => undefined;
    const { requests } = mockApi({
      "POST /api/v1/ask": () =>
        new Promise<AskResponse>((resolve) => {
          release = resolve;
        }),
    });
    const user = userEvent.setup();
    const { router } = renderRoute(<AskPage />, { path: "/ask" });
    expect(screen.getByText("Ask a question about your costs")).toBeInTheDocument();
    await user.type(screen.getByLabelText("Question"), `${askRising.question}{Enter}`);
    await waitFor(() => {
      expect(requests).toHaveLength(1);
    });
    expect(requests[0]?.body).toEqual({ question: askRising.question, as_of: null });
    expect(router.state.location.search).toBe(
      `?${new URLSearchParams({ q: askRising.question }).toString()}`,
    );
    expect(screen.getByRole("button", { name: "Asking…" })).toBeDisabled();
    expect(screen.getByLabelText("Question")).toBeDisabled();
    expect(screen.getByRole("button", { name: "EC2 cost per day this month" })).toBeDisabled();
    release(askRising);
    expect(await screen.findByTestId("ask-answer")).toBeInTheDocument();
    expect(screen.getByLabelText("Question")).toBeEnabled();
    const history = screen.getByTestId("ask-history");
    expect(within(history).getByRole("button", { name: askRising.question })).toHaveAttribute(
      "aria-current",
      "true",
    );
    expect(history).toHaveTextContent("answered");
    expect(history).toHaveTextContent("log #1");
  });

  it("does not ask an empty question", async () => {
    const { requests } = askApi({});
    const user = userEvent.setup();
    renderRoute(<AskPage />, { path: "/ask" });
    await user.click(screen.getByRole("button", { name: "Ask" }));
    expect(screen.getByText("Type a question first")).toBeInTheDocument();
    expect(requests).toHaveLength(0);
  });

  it("asks an example question, and again from the history without a new request", async () => {
    const { requests } = askApi({
      [askSeries.question]: askSeries,
      [askRising.question]: askRising,
    });
    const user = userEvent.setup();
    renderRoute(<AskPage />, { path: "/ask" });
    await user.click(screen.getByRole("button", { name: askSeries.question }));
    expect(await screen.findByTestId("ask-chart")).toBeInTheDocument();
    expect(screen.getByLabelText("Question")).toHaveValue(askSeries.question);
    await user.click(screen.getByRole("button", { name: askRising.question }));
    await screen.findByText(/2 service value\(s\) rose most/);
    const history = screen.getByTestId("ask-history");
    await user.click(within(history).getByRole("button", { name: askSeries.question }));
    expect(await screen.findByText(/2 day bucket\(s\)/)).toBeInTheDocument();
    expect(requests.map((r) => (r.body as { question: string }).question)).toEqual([
      askSeries.question,
      askRising.question,
    ]);
  });

  it("offers a clarifying question's options, each asking again with it", async () => {
    const refined = "How much on redshift last month: AWS Lambda";
    const { requests } = askApi({
      [askClarify.question]: askClarify,
      [refined]: { ...askTotal, question: refined },
    });
    const user = userEvent.setup();
    renderRoute(<AskPage />, { path: askPath(askClarify.question, "2026-12-03") });
    const answer = await screen.findByTestId("ask-answer");
    expect(answer).toHaveAttribute("data-status", "clarify");
    expect(within(answer).getByText("Needs a detail")).toBeInTheDocument();
    expect(screen.getByTestId("ask-message")).toHaveTextContent("there is no cost for redshift");
    const options = within(screen.getByTestId("ask-options")).getAllByRole("button");
    expect(options.map((o) => o.textContent)).toEqual(askClarify.options);
    expect(screen.queryByTestId("ask-rows")).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "AWS Lambda" }));
    expect(await screen.findByTestId("ask-value")).toHaveTextContent("$2,422.44");
    expect(requests.map((r) => r.body)).toEqual([
      { question: askClarify.question, as_of: "2026-12-03" },
      { question: refined, as_of: "2026-12-03" },
    ]);
  });

  it("shows a refusal as a notice, with nothing computed", async () => {
    askApi({ [askRefused.question]: askRefused });
    renderRoute(<AskPage />, { path: askPath(askRefused.question) });
    const notice = await screen.findByTestId("ask-refusal");
    expect(notice).toHaveAttribute("role", "note");
    expect(notice).toHaveTextContent("I only read costs; I never change resources");
    expect(screen.getByText("Refused")).toBeInTheDocument();
    expect(screen.queryByTestId("ask-rows")).not.toBeInTheDocument();
    expect(screen.queryByTestId("ask-sources")).not.toBeInTheDocument();
    expect(screen.queryByTestId("ask-cli")).not.toBeInTheDocument();
  });

  it("shows the API's error envelope (400) with Retry", async () => {
    mockApi({
      "POST /api/v1/ask": {
        status: 400,
        body: {
          error: {
            code: "invalid_input",
            message: "parameter 'as_of': Input should be a valid date",
            details: { parameter: "as_of" },
          },
        },
      },
    });
    renderRoute(<AskPage />, { path: askPath("cost last month") });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Request failed (invalid_input)");
    expect(alert).toHaveTextContent("parameter 'as_of': Input should be a valid date");
    expect(within(alert).getByRole("button", { name: "Retry" })).toBeInTheDocument();
    expect(screen.getByTestId("ask-history")).toHaveTextContent("failed");
  });

  it("explains a key the API does not accept (401) and a network failure", async () => {
    mockApi({
      "POST /api/v1/ask": {
        status: 401,
        body: { error: { code: "unauthenticated", message: "unknown API key", details: {} } },
      },
    });
    const first = renderRoute(<AskPage />, { path: askPath("cost last month") });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("API key needed");
    expect(within(alert).getByRole("link", { name: "Change API key" })).toHaveAttribute(
      "href",
      "/settings",
    );
    first.unmount();

    vi.stubGlobal(
      "fetch",
      vi.fn(() => Promise.reject(new TypeError("Failed to fetch"))),
    );
    renderRoute(<AskPage />, { path: askPath("cost last month") });
    expect(await screen.findByRole("alert")).toHaveTextContent("Cannot reach the API");
  });
});

describe("the Overview's question box", () => {
  it("goes to the Ask page with the question", async () => {
    const user = userEvent.setup();
    const { router } = renderRoute(<AskBox />, { path: "/" });
    await user.type(screen.getByLabelText("Ask about your costs"), "EC2 cost per day this month");
    await user.click(screen.getByRole("button", { name: "Ask" }));
    expect(router.state.location.pathname).toBe("/ask");
    expect(new URLSearchParams(router.state.location.search).get("q")).toBe(
      "EC2 cost per day this month",
    );
  });
});
