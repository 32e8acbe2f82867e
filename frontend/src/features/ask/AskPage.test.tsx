import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { Schemas } from "@/api/client";
import { mockApi, type RecordedRequest } from "@/test/apiMock";
import { askClarify, askRefused, askRising, askSeries, askTotal } from "@/test/fixtures";
import { renderRoute } from "@/test/render";
import { AskBox } from "./AskBox";
import { AskPage } from "./AskPage";

type AskResponse = Schemas["AskResponse"];
type AskedOut = Schemas["AskedOut"];

function logged(id: number, question: string, status = "answered"): AskedOut {
  return {
    id,
    asked_at: `2026-12-03T${String(id % 24).padStart(2, "0")}:05:00Z`,
    asked_by: "admin",
    question,
    status,
    plan: null,
    command: status === "answered" ? `finops cost --question-${id}` : null,
    error: status === "answered" ? null : `not answered (${id})`,
  };
}

/** GET /ask/history over `log` (newest first), paged as the API pages it. */
function historyRoute(log: AskedOut[]) {
  return (url: URL) => {
    const limit = Number(url.searchParams.get("limit") ?? "50");
    const offset = Number(url.searchParams.get("offset") ?? "0");
    const items = log.slice(offset, offset + limit);
    return {
      items,
      total: log.length,
      limit,
      offset,
      next_offset: offset + items.length < log.length ? offset + items.length : null,
    };
  };
}

/**
 * POST /ask answering by question (a clarifying answer for any other), each logged at the top
 * of GET /ask/history (which starts with `log`).
 */
function askApi(answers: Record<string, AskResponse>, log: AskedOut[] = []) {
  let nextId = 1000;
  return mockApi({
    "POST /api/v1/ask": async (_url: URL, request: Request) => {
      const body = (await request.json()) as { question: string; as_of: string | null };
      const answer = answers[body.question] ?? { ...askClarify, question: body.question };
      const id = nextId++;
      log.unshift({
        ...logged(id, body.question, answer.status),
        command: answer.cli ?? null,
      });
      return { ...answer, log_id: id };
    },
    "GET /api/v1/ask/history": historyRoute(log),
  });
}

function historyRequests(requests: RecordedRequest[]) {
  return requests.filter((r) => r.method === "GET" && r.url.pathname === "/api/v1/ask/history");
}

function askPath(question: string, asOf?: string) {
  const search = new URLSearchParams({ q: question });
  if (asOf) search.set("as_of", asOf);
  return `/ask?${search.toString()}`;
}

describe("Ask", () => {
  it("shows an answered question's rows, exact, with previous → current and the change", async () => {
    const { requests } = askApi({ [askRising.question]: askRising });
    renderRoute(<AskPage />, { path: askPath(askRising.question, "2026-12-03") });
    const answer = await screen.findByTestId("ask-answer");
    expect(answer).toHaveAttribute("data-status", "answered");
    expect(requests.find((r) => r.method === "POST")?.body).toEqual({
      question: askRising.question,
      as_of: "2026-12-03",
    });
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

  it("asks on Enter, is disabled while waiting, and refreshes the history after", async () => {
    let release: (value: AskResponse) => void = () => undefined;
    const log: AskedOut[] = [logged(7, "cost last month")];
    const { requests } = mockApi({
      "POST /api/v1/ask": () =>
        new Promise<AskResponse>((resolve) => {
          release = (value) => {
            log.unshift({ ...logged(8, askRising.question), command: askRising.cli ?? null });
            resolve(value);
          };
        }),
      "GET /api/v1/ask/history": historyRoute(log),
    });
    const user = userEvent.setup();
    const { router } = renderRoute(<AskPage />, { path: "/ask" });
    expect(screen.getByText("Ask a question about your costs")).toBeInTheDocument();
    expect(await screen.findByRole("button", { name: "cost last month" })).toBeInTheDocument();
    expect(historyRequests(requests)).toHaveLength(1);
    await user.type(screen.getByLabelText("Question"), `${askRising.question}{Enter}`);
    await waitFor(() => {
      expect(requests.filter((r) => r.method === "POST")).toHaveLength(1);
    });
    expect(requests.find((r) => r.method === "POST")?.body).toEqual({
      question: askRising.question,
      as_of: null,
    });
    expect(router.state.location.search).toBe(
      `?${new URLSearchParams({ q: askRising.question }).toString()}`,
    );
    expect(screen.getByRole("button", { name: "Asking…" })).toBeDisabled();
    expect(screen.getByLabelText("Question")).toBeDisabled();
    expect(screen.getByRole("button", { name: "EC2 cost per day this month" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "cost last month" })).toBeDisabled();
    release(askRising);
    expect(await screen.findByTestId("ask-answer")).toBeInTheDocument();
    expect(screen.getByLabelText("Question")).toBeEnabled();
    // the history is read again and has the new question at the top
    const history = screen.getByTestId("ask-history");
    await waitFor(() => {
      expect(within(history).getAllByTestId("ask-history-item")).toHaveLength(2);
    });
    expect(historyRequests(requests)).toHaveLength(2);
    const [top] = within(history).getAllByTestId("ask-history-item");
    if (!top) throw new Error("no history item");
    expect(top).toHaveAttribute("data-id", "8");
    expect(top).toHaveAttribute("data-status", "answered");
    expect(within(top).getByRole("button", { name: askRising.question })).toHaveAttribute(
      "aria-current",
      "true",
    );
    expect(within(top).getByTestId("ask-history-command")).toHaveTextContent(askRising.cli ?? "");
  });

  it("lists the history page: newest first, status, asked at, the command when answered", async () => {
    const { requests } = askApi({}, [
      logged(3, "EC2 cost per day this month"),
      logged(2, "How much on redshift last month?", "clarify"),
      logged(1, "delete all EC2 instances", "refused"),
    ]);
    renderRoute(<AskPage />, { path: "/ask" });
    const history = await screen.findByTestId("ask-history");
    expect(historyRequests(requests)[0]?.url.searchParams.get("offset")).toBe("0");
    const items = within(history).getAllByTestId("ask-history-item");
    expect(items.map((i) => i.getAttribute("data-status"))).toEqual([
      "answered",
      "clarify",
      "refused",
    ]);
    const [answered, clarify, refused] = items;
    if (!answered || !clarify || !refused) throw new Error("missing history items");
    expect(answered).toHaveTextContent("EC2 cost per day this month");
    expect(within(answered).getByText("answered")).toBeInTheDocument();
    expect(within(answered).getByTestId("ask-history-asked-at")).toHaveTextContent(
      "Dec 3, 2026, 03:05 UTC",
    );
    expect(within(answered).getByTestId("ask-history-command")).toHaveTextContent(
      "finops cost --question-3",
    );
    expect(answered).toHaveTextContent("by admin");
    expect(within(clarify).queryByTestId("ask-history-command")).not.toBeInTheDocument();
    expect(clarify).toHaveTextContent("not answered (2)");
    expect(within(refused).getByText("refused")).toBeInTheDocument();
    expect(screen.getByTestId("ask-history-count")).toHaveTextContent("3 of 3");
    expect(screen.queryByRole("button", { name: "Load more" })).not.toBeInTheDocument();
  });

  it("says when there is no question yet, and shows a history error with Retry", async () => {
    askApi({});
    const first = renderRoute(<AskPage />, { path: "/ask" });
    expect(await screen.findByText("No questions yet")).toBeInTheDocument();
    first.unmount();

    mockApi({
      "GET /api/v1/ask/history": {
        status: 500,
        body: { error: { code: "internal", message: "database unavailable", details: {} } },
      },
    });
    renderRoute(<AskPage />, { path: "/ask" });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("database unavailable");
    expect(within(alert).getByRole("button", { name: "Retry" })).toBeInTheDocument();
  });

  it("loads more of the history from next_offset", async () => {
    const log = Array.from({ length: 13 }, (_, i) => logged(13 - i, `question ${13 - i}`));
    const { requests } = askApi({}, log);
    const user = userEvent.setup();
    renderRoute(<AskPage />, { path: "/ask" });
    const history = await screen.findByTestId("ask-history");
    expect(within(history).getAllByTestId("ask-history-item")).toHaveLength(10);
    expect(screen.getByTestId("ask-history-count")).toHaveTextContent("10 of 13");
    await user.click(screen.getByRole("button", { name: "Load more" }));
    await waitFor(() => {
      expect(within(history).getAllByTestId("ask-history-item")).toHaveLength(13);
    });
    expect(
      historyRequests(requests).map((r) => [
        r.url.searchParams.get("limit"),
        r.url.searchParams.get("offset"),
      ]),
    ).toEqual([
      ["10", "0"],
      ["10", "10"],
    ]);
    const items = within(history).getAllByTestId("ask-history-item");
    expect(items.at(-1)).toHaveTextContent("question 1");
    expect(screen.queryByRole("button", { name: "Load more" })).not.toBeInTheDocument();
  });

  it("asks a history question again on click, as of the page's day", async () => {
    const { requests } = askApi({ [askSeries.question]: askSeries }, [
      logged(5, askSeries.question),
    ]);
    const user = userEvent.setup();
    const { router } = renderRoute(<AskPage />, { path: askPath("cost last month", "2026-12-03") });
    const history = await screen.findByTestId("ask-history");
    await screen.findByTestId("ask-answer");
    await user.click(within(history).getByRole("button", { name: askSeries.question }));
    expect(await screen.findByTestId("ask-chart")).toBeInTheDocument();
    expect(new URLSearchParams(router.state.location.search).get("q")).toBe(askSeries.question);
    expect(requests.filter((r) => r.method === "POST").map((r) => r.body)).toEqual([
      { question: "cost last month", as_of: "2026-12-03" },
      { question: askSeries.question, as_of: "2026-12-03" },
    ]);
  });

  it("does not ask an empty question", async () => {
    const { requests } = askApi({});
    const user = userEvent.setup();
    renderRoute(<AskPage />, { path: "/ask" });
    await user.click(screen.getByRole("button", { name: "Ask" }));
    expect(screen.getByText("Type a question first")).toBeInTheDocument();
    expect(requests.filter((r) => r.method === "POST")).toHaveLength(0);
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
    await user.click(
      within(screen.getByTestId("ask-examples")).getByRole("button", { name: askRising.question }),
    );
    await screen.findByText(/2 service value\(s\) rose most/);
    const history = screen.getByTestId("ask-history");
    await waitFor(() => {
      expect(within(history).getAllByTestId("ask-history-item")).toHaveLength(2);
    });
    await user.click(within(history).getByRole("button", { name: askSeries.question }));
    expect(await screen.findByText(/2 day bucket\(s\)/)).toBeInTheDocument();
    const posts = requests.filter((r) => r.method === "POST");
    expect(posts.map((r) => (r.body as { question: string }).question)).toEqual([
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
    expect(requests.filter((r) => r.method === "POST").map((r) => r.body)).toEqual([
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
      "GET /api/v1/ask/history": historyRoute([]),
    });
    renderRoute(<AskPage />, { path: askPath("cost last month") });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Request failed (invalid_input)");
    expect(alert).toHaveTextContent("parameter 'as_of': Input should be a valid date");
    expect(within(alert).getByRole("button", { name: "Retry" })).toBeInTheDocument();
  });

  it("explains a key the API does not accept (401) and a network failure", async () => {
    mockApi({
      "POST /api/v1/ask": {
        status: 401,
        body: { error: { code: "unauthenticated", message: "unknown API key", details: {} } },
      },
      "GET /api/v1/ask/history": historyRoute([]),
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
    // the answer and the history both say so
    await waitFor(() => {
      expect(screen.getAllByRole("alert")).toHaveLength(2);
    });
    for (const each of screen.getAllByRole("alert")) {
      expect(each).toHaveTextContent("Cannot reach the API");
    }
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
