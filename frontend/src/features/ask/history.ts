/**
 * The questions asked in this browser tab, newest first: in memory only (a reload forgets
 * them). The API keeps every question in `ai_query_log`, but has no route to read it back yet.
 */
import { useSyncExternalStore } from "react";

export interface AskHistoryEntry {
  /** Unique in the session (React key). */
  id: number;
  question: string;
  /** The `as_of` the page asked with (null: the API's today). */
  asOf: string | null;
  /** The day the API answered for. */
  answeredAsOf: string | null;
  /** "answered", "clarify", "refused", or "failed" (the request itself failed). */
  status: string;
  logId: number | null;
  error?: string;
}

export const MAX_HISTORY = 50;

let entries: readonly AskHistoryEntry[] = [];
let nextId = 1;
const listeners = new Set<() => void>();

function emit() {
  listeners.forEach((listener) => {
    listener();
  });
}

export function recordAsk(entry: Omit<AskHistoryEntry, "id">): void {
  entries = [{ ...entry, id: nextId++ }, ...entries].slice(0, MAX_HISTORY);
  emit();
}

export function clearAskHistory(): void {
  entries = [];
  emit();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

function snapshot() {
  return entries;
}

export function useAskHistory(): readonly AskHistoryEntry[] {
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}
