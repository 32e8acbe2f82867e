/**
 * The typed API client: `openapi-fetch` over the types generated from the committed OpenAPI
 * snapshot (`src/api/openapi.json` -> `src/api/schema.d.ts`, see `npm run api:snapshot`).
 *
 * Query parameters follow the API's conventions: lists repeat the parameter (`group_by=a&
 * group_by=b`) and maps use deepObject (`filter[service]=A,B`).
 */
import createClient, { type Middleware } from "openapi-fetch";
import { getApiKey } from "./apiKey";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type ApiPaths = paths;

export interface ErrorDetails {
  parameter?: string;
  [key: string]: unknown;
}

/** An error answer of the API (its envelope), or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetails;
  readonly path: string;

  constructor(status: number, code: string, message: string, path: string, details = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
    this.path = path;
  }

  get isAuth(): boolean {
    return this.status === 401;
  }

  get isForbidden(): boolean {
    return this.status === 403;
  }
}

const authMiddleware: Middleware = {
  onRequest({ request }) {
    const key = getApiKey();
    if (key) request.headers.set("X-API-Key", key);
    return request;
  },
};

// Same origin as the page (CloudFront routes /api/* to the API; locally one server serves both).
export const api = createClient<paths>({
  baseUrl: typeof window === "undefined" ? "" : window.location.origin,
  // Looked up per call, so a test (or a service worker shim) can replace fetch after import.
  fetch: (request: Request) => globalThis.fetch(request),
  querySerializer: {
    array: { style: "form", explode: true },
    object: { style: "deepObject", explode: true },
  },
});
api.use(authMiddleware);

function isEnvelope(value: unknown): value is Schemas["ErrorEnvelope"] {
  return (
    typeof value === "object" &&
    value !== null &&
    "error" in value &&
    typeof value.error === "object"
  );
}

/**
 * The body of a successful answer, or an ApiError carrying the envelope's code and message.
 * Use as `unwrap(await api.GET(...))`.
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  const { data, error, response } = result;
  if (response.ok && data !== undefined) return data;
  const path = new URL(response.url || "http://local/").pathname;
  if (isEnvelope(error)) {
    const body = error.error;
    throw new ApiError(response.status, body.code, body.message, path, body.details);
  }
  throw new ApiError(
    response.status,
    "unexpected_response",
    `HTTP ${response.status} from ${path}`,
    path,
  );
}

/** The request a figure came from, for "Source" disclosures: path plus query string. */
export function describeRequest(path: string, query: Record<string, unknown> = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value == null || value === "") continue;
    if (Array.isArray(value)) {
      value.forEach((v) => {
        search.append(name, String(v));
      });
    } else if (typeof value === "object") {
      for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
        search.append(`${name}[${key}]`, String(inner));
      }
    } else if (
      typeof value === "string" ||
      typeof value === "number" ||
      typeof value === "boolean"
    ) {
      search.append(name, String(value));
    }
  }
  const text = decodeURIComponent(search.toString());
  return `GET /api/v1${path}${text ? `?${text}` : ""}`;
}
