/**
 * A fake API for component tests: routes by method and path, answers JSON, records requests.
 * Unknown routes answer 404 in the API's error envelope so a missing mock fails loudly.
 */
import { vi } from "vitest";

/** A JSON body, or `{status, body}` for another status than 200. */
export type MockAnswer = unknown;
export type MockHandler = (url: URL, request: Request) => unknown;

export interface RecordedRequest {
  method: string;
  url: URL;
  body: unknown;
  headers: Headers;
}

function isStatusAnswer(value: unknown): value is { status: number; body: unknown } {
  return typeof value === "object" && value !== null && "status" in value && "body" in value;
}

export function mockApi(routes: Record<string, MockAnswer>) {
  const requests: RecordedRequest[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const text = request.method === "GET" ? "" : await request.clone().text();
    requests.push({
      method: request.method,
      url,
      body: text ? JSON.parse(text) : undefined,
      headers: request.headers,
    });
    const key = `${request.method} ${url.pathname}`;
    const route = routes[key];
    if (route === undefined) {
      return Response.json(
        { error: { code: "not_found", message: `no mock for ${key}`, details: {} } },
        { status: 404 },
      );
    }
    const answer = typeof route === "function" ? await (route as MockHandler)(url, request) : route;
    return isStatusAnswer(answer)
      ? Response.json(answer.body, { status: answer.status })
      : Response.json(answer);
  });
  vi.stubGlobal("fetch", fetchMock);
  return { requests, fetchMock };
}
