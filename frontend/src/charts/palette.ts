/** Series colours: distinct in hue and lightness (colour-blind safe order), "Other" in grey. */
export const SERIES_COLORS = [
  "#0f766e",
  "#2563eb",
  "#d97706",
  "#9333ea",
  "#dc2626",
  "#0891b2",
  "#65a30d",
  "#db2777",
  "#4f46e5",
  "#ca8a04",
  "#059669",
  "#7c3aed",
] as const;

export const OTHER_COLOR = "#94a3b8";

export function seriesColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length] ?? OTHER_COLOR;
}
