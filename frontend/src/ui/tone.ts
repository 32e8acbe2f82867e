import type { BadgeTone } from "./Badge";

/** The tone of a status or severity word the API uses. */
export function toneFor(word: string | null | undefined): BadgeTone {
  switch (word) {
    case "critical":
    case "high":
    case "failed":
    case "rejected":
      return "bad";
    case "medium":
    case "open":
    case "planned":
    case "pending_approval":
    case "awaiting_approval":
      return "warn";
    case "low":
    case "accepted":
    case "approved":
    case "acknowledged":
      return "info";
    case "applied":
    case "resolved":
    case "succeeded":
    case "executed":
    case "verified":
      return "good";
    default:
      return "neutral";
  }
}
