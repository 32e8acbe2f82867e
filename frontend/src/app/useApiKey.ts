import { useSyncExternalStore } from "react";
import { getApiKey, subscribeApiKey } from "@/api/apiKey";

export function useApiKey(): string | null {
  return useSyncExternalStore(subscribeApiKey, getApiKey, () => null);
}
