/**
 * The API key the dashboard sends as `X-API-Key`.
 *
 * Kept in localStorage for the local server. A link may carry it in the URL fragment
 * (`/#api_key=fo_...`): fragments never reach a server or its logs, and the key is removed
 * from the address bar as soon as it is read.
 */
const STORAGE_KEY = "finops.apiKey";
const FRAGMENT_PARAM = "api_key";

type Listener = () => void;
const listeners = new Set<Listener>();
let memoryKey: string | null = null;

function storage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null; // storage disabled (privacy mode): keep the key in memory only
  }
}

export function getApiKey(): string | null {
  return storage()?.getItem(STORAGE_KEY) ?? memoryKey;
}

export function setApiKey(key: string | null): void {
  const trimmed = key?.trim() ? key.trim() : null;
  memoryKey = trimmed;
  const store = storage();
  if (store) {
    if (trimmed) store.setItem(STORAGE_KEY, trimmed);
    else store.removeItem(STORAGE_KEY);
  }
  listeners.forEach((listener) => {
    listener();
  });
}

export function subscribeApiKey(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Reads `#api_key=...` once at start-up, stores it and strips it from the URL. */
export function adoptKeyFromFragment(location: Location = window.location): void {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  const key = fragment.get(FRAGMENT_PARAM);
  if (!key) return;
  setApiKey(key);
  fragment.delete(FRAGMENT_PARAM);
  const rest = fragment.toString();
  window.history.replaceState(
    window.history.state,
    "",
    `${location.pathname}${location.search}${rest ? `#${rest}` : ""}`,
  );
}

/** "fo_abc…" (never the whole key on screen). */
export function maskKey(key: string): string {
  return key.length <= 8 ? "…" : `${key.slice(0, 7)}…`;
}
