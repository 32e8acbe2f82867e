import { TextField } from "./Field";

/**
 * Two date inputs for a half-open range [start, end): the API's convention, said in the labels.
 * Each bounds the other (`min`/`max`); `onChange` gets the field that changed, and the page
 * decides what an empty or inverted range means.
 */
export function DateRangeFields({
  start,
  end,
  onChange,
  startLabel = "Start (included)",
  endLabel = "End (excluded)",
}: {
  start: string;
  end: string;
  onChange: (patch: { start?: string; end?: string }) => void;
  startLabel?: string;
  endLabel?: string;
}) {
  return (
    <>
      <TextField
        label={startLabel}
        type="date"
        value={start}
        max={end || undefined}
        onChange={(e) => {
          onChange({ start: e.target.value });
        }}
      />
      <TextField
        label={endLabel}
        type="date"
        value={end}
        min={start || undefined}
        onChange={(e) => {
          onChange({ end: e.target.value });
        }}
      />
    </>
  );
}
