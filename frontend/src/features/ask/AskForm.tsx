import { useState, type SyntheticEvent } from "react";
import { Button } from "@/ui/Button";
import { TextField } from "@/ui/Field";
import { MAX_QUESTION, type AskRequest } from "./path";

function keyOf(request: AskRequest | null): string {
  return request ? `${request.asOf ?? ""}|${request.question}` : "";
}

/**
 * The question box: Enter (or "Ask") asks; disabled while an answer is awaited. Shows `request`
 * (the question in the URL) and follows it when it changes (an option, the history, Back).
 */
export function AskForm({
  request,
  busy = false,
  onAsk,
  withAsOf = true,
  label = "Question",
  placeholder = "e.g. Top 5 services with rising cost last 60 days?",
}: {
  request: AskRequest | null;
  busy?: boolean;
  onAsk: (request: AskRequest) => void;
  withAsOf?: boolean;
  label?: string;
  placeholder?: string;
}) {
  const [question, setQuestion] = useState(request?.question ?? "");
  const [asOf, setAsOf] = useState(request?.asOf ?? "");
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState(keyOf(request));
  // Adjusting state to a new prop while rendering (no effect, no extra paint).
  if (keyOf(request) !== shown) {
    setShown(keyOf(request));
    setQuestion(request?.question ?? "");
    setAsOf(request?.asOf ?? "");
    setError(null);
  }

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    const text = question.trim();
    if (!text) {
      setError("Type a question first");
      return;
    }
    setError(null);
    onAsk({ question: text, asOf: withAsOf && asOf ? asOf : null });
  }

  return (
    <form onSubmit={submit} aria-label="Ask a question" noValidate>
      <fieldset
        disabled={busy}
        className="m-0 flex min-w-0 flex-wrap items-start gap-3 border-0 p-0"
      >
        <TextField
          label={label}
          name="q"
          className="min-w-0 flex-1 basis-56"
          value={question}
          maxLength={MAX_QUESTION}
          placeholder={placeholder}
          autoComplete="off"
          enterKeyHint="send"
          error={error}
          onChange={(event) => {
            setQuestion(event.target.value);
          }}
        />
        {withAsOf && (
          <TextField
            label="As of (optional)"
            name="as_of"
            type="date"
            className="w-44"
            value={asOf}
            hint="Blank: today (UTC)"
            onChange={(event) => {
              setAsOf(event.target.value);
            }}
          />
        )}
        <Button type="submit" variant="primary" busy={busy} className="mt-5">
          {busy ? "Asking…" : "Ask"}
        </Button>
      </fieldset>
    </form>
  );
}
