/// <reference types="vitest/config" />
import { fileURLToPath, URL } from "node:url";
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` proxies /api to a running `finops serve` / `finops demo` (same origin as in AWS,
// where CloudFront serves the build and routes /api/* to API Gateway).
const apiTarget = process.env.FINOPS_API_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: {
    alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) },
  },
  server: {
    proxy: { "/api": { target: apiTarget, changeOrigin: true } },
  },
  build: {
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      output: {
        // Named vendor chunks: stable across page changes, cached across deploys. Charts load
        // only with the first page that draws one.
        codeSplitting: {
          groups: [
            {
              name: "react",
              priority: 20,
              test: /node_modules[\\/](react|react-dom|react-router|scheduler|cookie|set-cookie-parser)[\\/]/,
            },
            {
              name: "charts",
              test: /node_modules[\\/](recharts|d3-[a-z-]+|victory-vendor|internmap|@reduxjs|redux|redux-thunk|immer|reselect|react-redux|use-sync-external-store|es-toolkit|eventemitter3|decimal\.js-light|tiny-invariant)[\\/]/,
            },
            {
              name: "data",
              // Ahead of "charts", which would otherwise pull clsx (a recharts dependency too).
              priority: 10,
              test: /node_modules[\\/](@tanstack|openapi-fetch|big\.js|tailwind-merge|clsx)[\\/]/,
            },
          ],
        },
      },
    },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
    testTimeout: 30_000,
  },
});
