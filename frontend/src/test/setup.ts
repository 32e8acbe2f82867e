import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";

afterEach(() => {
  cleanup();
  window.localStorage.clear();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

// Recharts measures its container; jsdom has no layout engine: every observed element reports
// a chart-sized box, so charts render (and say nothing about a zero size) in tests.
class ResizeObserverStub {
  constructor(private readonly callback: ResizeObserverCallback) {}
  observe(target: Element) {
    const contentRect = { width: 800, height: 300, top: 0, left: 0, right: 800, bottom: 300 };
    this.callback([{ target, contentRect } as unknown as ResizeObserverEntry], this);
  }
  unobserve() {}
  disconnect() {}
}
if (!("ResizeObserver" in globalThis)) {
  globalThis.ResizeObserver = ResizeObserverStub;
}
