/** What every Recharts chart here shares: margins, grid, axes and legend, one look. */
export const CHART_MARGIN = { top: 8, right: 8, bottom: 0, left: 8 };

/** `<CartesianGrid {...GRID} />`: horizontal lines only. */
export const GRID = { vertical: false, stroke: "#e2e8f0" };

const TICK = { fontSize: 11, fill: "#475569" };

/** `<XAxis {...CATEGORY_AXIS} />` (plus dataKey and spacing). */
export const CATEGORY_AXIS = { tick: TICK, tickLine: false };

/** `<YAxis {...VALUE_AXIS} tickFormatter={…} />`. */
export const VALUE_AXIS = { tick: TICK, tickLine: false, axisLine: false, width: 64 };

/** `<Legend {...LEGEND} />`: in the order the series are drawn. */
export const LEGEND = { wrapperStyle: { fontSize: 12 }, iconSize: 10, itemSorter: null };
