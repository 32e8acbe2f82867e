import { formatCount } from "@/format/format";
import type { TagKey } from "./api";
import { dimensionLabel, DIMENSIONS } from "./costView";

/**
 * The `<option>`s of a dimension select: the cost dimensions, then the tag keys of `GET /tags`
 * (most common first, with how many resources carry them). `current` keeps a dimension the
 * view already uses selectable even when no resource carries that tag any more.
 */
export function DimensionOptions({
  tagKeys,
  current = [],
  isDisabled,
}: {
  tagKeys: readonly TagKey[];
  current?: readonly string[];
  isDisabled?: (dimension: string) => boolean;
}) {
  const known = new Set(tagKeys.map((t) => `tag:${t.key}`));
  const tags: { value: string; label: string }[] = [
    ...tagKeys.map((t) => ({
      value: `tag:${t.key}`,
      label: `${t.key} (${formatCount(t.resources)} resource${t.resources === 1 ? "" : "s"})`,
    })),
    ...current
      .filter((d) => d.startsWith("tag:") && !known.has(d))
      .map((d) => ({ value: d, label: d.slice(4) })),
  ];
  return (
    <>
      <optgroup label="Cost dimensions">
        {DIMENSIONS.map((d) => (
          <option key={d} value={d} disabled={isDisabled?.(d)}>
            {dimensionLabel(d)}
          </option>
        ))}
      </optgroup>
      {tags.length > 0 && (
        <optgroup label="Tags, most common first">
          {tags.map((t) => (
            <option key={t.value} value={t.value} disabled={isDisabled?.(t.value)}>
              {t.label}
            </option>
          ))}
        </optgroup>
      )}
    </>
  );
}
