import { useEffect, useRef } from "react";
import { useSearchParams } from "react-router";
import { formatCount, formatDateTime } from "@/format/format";
import { Badge, type BadgeTone } from "@/ui/Badge";
import { Button } from "@/ui/Button";
import { Card } from "@/ui/Card";
import { EmptyState } from "@/ui/EmptyState";
import { ErrorState } from "@/ui/ErrorState";
import { LoadingState } from "@/ui/LoadingState";
import { PageHeader } from "@/ui/PageHeader";
import { useAsk } from "./api";
import { AskAnswer } from "./AskAnswer";
import { AskForm } from "./AskForm";
import { EXAMPLE_QUESTIONS, questionWithOption } from "./answer";
import { useAskHistory, type AskHistoryEntry } from "./history";
import { readAskRequest, type AskRequest } from "./path";

const HISTORY_TONE: Record<string, BadgeTone> = {
  answered: "good",
  clarify: "warn",
  refused: "bad",
};

function sameRequest(a: AskRequest | null, b: AskRequest): boolean {
  return a != null && a.question === b.question && a.asOf === b.asOf;
}

/** The log's questions (`GET /ask/history`), newest first; one asks again, as of the page's day. */
function History({
  current,
  busy,
  onAsk,
}: {
  current: AskRequest | null;
  busy: boolean;
  onAsk: (request: AskRequest) => void;
}) {
  const history = useAskHistory();
  const entries: AskHistoryEntry[] = history.data?.pages.flatMap((page) => page.items) ?? [];
  const total = history.data?.pages.at(-1)?.total ?? 0;
  // The newest entry with the question shown is the current one.
  const currentId = entries.find((entry) => entry.question === current?.question)?.id;
  return (
    <Card
      title="Your recent questions"
      description="From the assistant's log, newest first; an admin sees everyone's."
    >
      {history.isPending ? (
        <LoadingState label="Loading questions" rows={4} />
      ) : history.isError ? (
        <ErrorState
          error={history.error}
          onRetry={() => {
            void history.refetch();
          }}
        />
      ) : entries.length === 0 ? (
        <EmptyState title="No questions yet">The questions you ask show here.</EmptyState>
      ) : (
        <>
          <ol className="divide-y divide-slate-100" data-testid="ask-history">
            {entries.map((entry) => (
              <li
                key={entry.id}
                className="py-2"
                data-testid="ask-history-item"
                data-id={entry.id}
                data-status={entry.status}
              >
                <button
                  type="button"
                  disabled={busy}
                  aria-current={entry.id === currentId ? "true" : undefined}
                  onClick={() => {
                    onAsk({ question: entry.question, asOf: current?.asOf ?? null });
                  }}
                  className="block w-full rounded text-left text-sm font-medium break-words text-teal-800 hover:underline focus-visible:outline-2 focus-visible:outline-teal-600 disabled:cursor-not-allowed disabled:text-slate-500 aria-[current=true]:text-slate-900"
                >
                  {entry.question}
                </button>
                <span className="mt-0.5 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-600">
                  <Badge tone={HISTORY_TONE[entry.status] ?? "neutral"}>{entry.status}</Badge>
                  <time
                    dateTime={entry.asked_at}
                    data-testid="ask-history-asked-at"
                    data-value={entry.asked_at}
                  >
                    {formatDateTime(entry.asked_at)}
                  </time>
                  {entry.asked_by && <span>by {entry.asked_by}</span>}
                </span>
                {entry.status === "answered" && entry.command ? (
                  <code
                    className="mt-1 block font-mono text-xs break-all text-slate-700"
                    data-testid="ask-history-command"
                  >
                    {entry.command}
                  </code>
                ) : (
                  entry.error && (
                    <p className="mt-1 text-xs break-words text-slate-600">{entry.error}</p>
                  )
                )}
              </li>
            ))}
          </ol>
          <div className="mt-3 flex items-center justify-between gap-2 text-xs text-slate-600">
            <span data-testid="ask-history-count">
              {formatCount(entries.length)} of {formatCount(total)}
            </span>
            {history.hasNextPage && (
              <Button
                size="sm"
                disabled={history.isFetchingNextPage}
                onClick={() => {
                  void history.fetchNextPage();
                }}
              >
                {history.isFetchingNextPage ? "Loading…" : "Load more"}
              </Button>
            )}
          </div>
        </>
      )}
    </Card>
  );
}

/**
 * The assistant (`POST /ask`): a question in words, answered with figures, the plan it was read
 * as, and the request and `finops` command that return the same figures. The question lives in
 * the URL (`?q=&as_of=`), so a link (or the Overview's box) asks it.
 */
export function AskPage() {
  const [search, setSearch] = useSearchParams();
  const request = readAskRequest(search);
  const ask = useAsk(request);
  const busy = request != null && ask.isFetching;
  const headingRef = useRef<HTMLHeadingElement>(null);

  // The form is disabled while waiting, which drops focus: hand it to the answer when it comes.
  useEffect(() => {
    if (!ask.data) return;
    const active = document.activeElement;
    if (active == null || active === document.body) headingRef.current?.focus();
  }, [ask.data]);

  function go(next: AskRequest) {
    if (sameRequest(request, next)) {
      void ask.refetch();
      return;
    }
    const params = new URLSearchParams({ q: next.question });
    if (next.asOf) params.set("as_of", next.asOf);
    setSearch(params);
  }

  return (
    <>
      <PageHeader
        title="Ask"
        description="Cost questions in words, answered from the cost data with the request and the finops command that return the same figures."
      />
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-[minmax(0,1fr)_18rem]">
        <div className="min-w-0 space-y-4">
          <Card aria-label="Question box">
            <AskForm request={request} busy={busy} onAsk={go} />
            <div className="mt-4">
              <p id="ask-examples-label" className="mb-2 text-xs font-medium text-slate-600">
                Examples
              </p>
              <ul
                className="flex flex-wrap gap-2"
                aria-labelledby="ask-examples-label"
                data-testid="ask-examples"
              >
                {EXAMPLE_QUESTIONS.map((example) => (
                  <li key={example}>
                    <Button
                      size="sm"
                      variant="ghost"
                      className="h-auto min-h-8 bg-slate-100 py-1 text-left whitespace-normal hover:bg-slate-200"
                      disabled={busy}
                      onClick={() => {
                        go({ question: example, asOf: request?.asOf ?? null });
                      }}
                    >
                      {example}
                    </Button>
                  </li>
                ))}
              </ul>
            </div>
          </Card>
          <Card aria-label="Answer">
            {request == null ? (
              <EmptyState title="Ask a question about your costs">
                The answer shows the figures, how the question was read, and the request and command
                that return the same figures. Requests to change anything are refused.
              </EmptyState>
            ) : ask.isPending ? (
              <LoadingState label="Asking" rows={4} />
            ) : ask.isError ? (
              <ErrorState
                error={ask.error}
                onRetry={() => {
                  void ask.refetch();
                }}
              />
            ) : (
              <AskAnswer
                response={ask.data}
                busy={busy}
                headingRef={headingRef}
                onOption={(option) => {
                  go({
                    question: questionWithOption(ask.data.question, option),
                    asOf: request.asOf,
                  });
                }}
              />
            )}
          </Card>
        </div>
        <div className="min-w-0">
          <History current={request} busy={busy} onAsk={go} />
        </div>
      </div>
    </>
  );
}
