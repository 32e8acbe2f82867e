import { useSearchParams } from "react-router";

/** `value` when it is one of `choices` (an API enum's values), else undefined: a hand-edited URL
 * never sends a value the API would refuse. */
export function oneOf<T extends string>(choices: readonly T[], value: string): T | undefined {
  return (choices as readonly string[]).includes(value) ? (value as T) : undefined;
}

export type SearchPatch = Record<string, string | null | undefined>;

/**
 * A page's filters and page offset, kept in the URL (so a link or a reload shows the same
 * view). `update` sets or, for an empty value, removes parameters; any change other than paging
 * (or a parameter in `keepPage`, such as the selected row) goes back to the first page.
 */
export function useSearchState({ keepPage = [] }: { keepPage?: readonly string[] } = {}) {
  const [search, setSearch] = useSearchParams();
  const offset = Math.max(0, Number(search.get("offset")) || 0);

  function update(patch: SearchPatch) {
    const next = new URLSearchParams(search);
    for (const [name, value] of Object.entries(patch)) {
      if (value) next.set(name, value);
      else next.delete(name);
    }
    if (!Object.keys(patch).every((name) => name === "offset" || keepPage.includes(name))) {
      next.delete("offset");
    }
    setSearch(next);
  }

  return {
    search,
    /** The parameter's value, or `fallback` when absent. */
    param: (name: string, fallback = "") => search.get(name) ?? fallback,
    offset,
    update,
    setOffset: (value: number) => {
      update({ offset: value ? String(value) : null });
    },
  };
}
