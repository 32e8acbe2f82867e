import { useIsFetching } from "@tanstack/react-query";
import { useState } from "react";
import { NavLink, Outlet, useLocation, useNavigation } from "react-router";
import { Card } from "@/ui/Card";
import { cn } from "@/ui/cn";
import { ApiError } from "@/api/client";
import { ApiKeyForm } from "./ApiKeyForm";
import { useIdentity } from "./identity";
import { NAV_ITEMS } from "./nav";
import { useApiKey } from "./useApiKey";

function Navigation({ onNavigate }: { onNavigate?: () => void }) {
  return (
    <ul className="space-y-0.5">
      {NAV_ITEMS.map((item) => (
        <li key={item.to}>
          <NavLink
            to={item.to}
            end={item.end}
            onClick={onNavigate}
            className={({ isActive }) =>
              cn(
                "block rounded-md px-3 py-1.5 text-sm font-medium focus-visible:outline-2 focus-visible:outline-teal-500",
                isActive
                  ? "bg-teal-700 text-white"
                  : "text-slate-200 hover:bg-slate-800 hover:text-white",
              )
            }
          >
            {item.label}
          </NavLink>
        </li>
      ))}
    </ul>
  );
}

function Brand() {
  return (
    <span className="flex items-center gap-2 text-base font-semibold text-white">
      <svg aria-hidden="true" viewBox="0 0 32 32" className="size-6">
        <rect width="32" height="32" rx="6" fill="#0f766e" />
        <path
          d="M8 22l5-6 4 3 7-9"
          stroke="#fff"
          strokeWidth="3"
          fill="none"
          strokeLinecap="round"
        />
      </svg>
      FinOps
    </span>
  );
}

/** The signed-in key's name and role (`GET /me`), linking to the key settings. */
function KeyIdentity({ compact = false }: { compact?: boolean }) {
  const identity = useIdentity();
  const rejected = identity.error instanceof ApiError && identity.error.isAuth;
  if (!identity.data && !rejected) return null;
  return (
    <NavLink
      to="/settings"
      data-testid="key-identity"
      title="The API key this browser uses: change it"
      className={cn(
        "flex min-w-0 items-center gap-2 rounded-md text-sm text-slate-200 hover:bg-slate-800 hover:text-white focus-visible:outline-2 focus-visible:outline-teal-500",
        compact ? "px-2 py-1" : "px-3 py-2",
      )}
    >
      {identity.data ? (
        <>
          <span className={cn("truncate font-medium", compact && "max-w-[7rem]")}>
            {identity.data.name}
          </span>
          <span className="shrink-0 rounded-full bg-slate-700 px-2 py-0.5 text-xs font-medium text-slate-100">
            {identity.data.role}
          </span>
        </>
      ) : (
        <span className="text-amber-200">Key not accepted</span>
      )}
    </NavLink>
  );
}

export function AppShell() {
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  const navigation = useNavigation();
  const fetching = useIsFetching();
  const apiKey = useApiKey();

  const busy = navigation.state !== "idle" || fetching > 0;
  const needsKey = !apiKey && location.pathname !== "/settings";

  return (
    <div className="min-h-screen lg:flex">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-sm focus:shadow"
      >
        Skip to content
      </a>
      <div
        aria-hidden="true"
        className={cn(
          "fixed inset-x-0 top-0 z-40 h-0.5 origin-left bg-teal-500 transition-opacity",
          busy ? "animate-pulse opacity-100" : "opacity-0",
        )}
      />
      {/* The column stretches with the page (its colour reaches the bottom of a long page);
          the navigation inside stays on screen while the page scrolls. */}
      <aside className="hidden w-56 shrink-0 bg-slate-900 lg:block">
        <div className="sticky top-0 flex h-screen flex-col px-3 py-4">
          <div className="mb-5 px-3">
            <Brand />
          </div>
          <nav aria-label="Main" className="flex-1 overflow-y-auto">
            <Navigation />
          </nav>
          {apiKey && (
            <div className="mt-3 border-t border-slate-700 pt-3">
              <KeyIdentity />
            </div>
          )}
        </div>
      </aside>
      <div className="min-w-0 flex-1">
        <header className="sticky top-0 z-30 flex items-center justify-between gap-2 bg-slate-900 px-4 py-2.5 lg:hidden">
          <Brand />
          <span className="flex min-w-0 items-center gap-1">
            {apiKey && <KeyIdentity compact />}
            <button
              type="button"
              className="shrink-0 rounded-md px-2 py-1 text-sm font-medium text-slate-100 ring-1 ring-slate-600 focus-visible:outline-2 focus-visible:outline-teal-500"
              aria-expanded={menuOpen}
              aria-controls="mobile-nav"
              onClick={() => {
                setMenuOpen((open) => !open);
              }}
            >
              {menuOpen ? "Close" : "Menu"}
            </button>
          </span>
        </header>
        {menuOpen && (
          <nav id="mobile-nav" aria-label="Main" className="bg-slate-900 px-3 pb-3 lg:hidden">
            <Navigation
              onNavigate={() => {
                setMenuOpen(false);
              }}
            />
          </nav>
        )}
        <main id="main" tabIndex={-1} className="mx-auto max-w-[1400px] px-4 py-5 sm:px-6 lg:px-8">
          {needsKey ? (
            <Card title="Connect to the API" className="max-w-xl">
              <p className="mb-4 text-sm text-slate-700">
                Every figure on this dashboard comes from the platform's REST API, which needs an
                API key.
              </p>
              <ApiKeyForm />
            </Card>
          ) : (
            <Outlet />
          )}
        </main>
      </div>
    </div>
  );
}
