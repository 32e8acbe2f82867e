/**
 * The Ask page's URL holds the question (`/ask?q=...&as_of=...`): a link asks it, a reload
 * shows it again, and the Overview's box navigates there. Small on purpose: the Overview imports
 * it without the Ask page's code.
 */
import { isIsoDay } from "@/calendar/days";

/** What the page asks: the question and, optionally, the day it is asked on. */
export interface AskRequest {
  question: string;
  /** "YYYY-MM-DD"; null: the API's today (UTC). */
  asOf: string | null;
}

/** The API's limit (`AskBody.question.maxLength`). */
export const MAX_QUESTION = 1000;

export function askPath({ question, asOf }: AskRequest): string {
  const search = new URLSearchParams({ q: question });
  if (asOf) search.set("as_of", asOf);
  return `/ask?${search.toString()}`;
}

/** The question in the URL, or null when there is none (a malformed `as_of` is dropped). */
export function readAskRequest(search: URLSearchParams): AskRequest | null {
  const question = (search.get("q") ?? "").trim().slice(0, MAX_QUESTION);
  if (!question) return null;
  const asOf = search.get("as_of");
  return { question, asOf: isIsoDay(asOf) ? asOf : null };
}
