import type { ReactNode } from "react";
import { ResponsiveContainer } from "recharts";

/**
 * A chart in a <figure> with a text summary for screen readers; the numbers themselves are in
 * the table that accompanies every chart. The chart stays in the tab order: Recharts'
 * accessibility layer moves the tooltip with the arrow keys.
 */
export function ChartFigure({
  summary,
  height = 280,
  children,
  testId,
}: {
  summary: string;
  height?: number;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <figure className="m-0" data-testid={testId}>
      <figcaption className="sr-only">{summary}</figcaption>
      <div style={{ height }} className="w-full">
        <ResponsiveContainer
          width="100%"
          height="100%"
          minWidth={200}
          initialDimension={{ width: 800, height }}
        >
          {children as React.ReactElement}
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
