import { TextAreaField } from "./Field";

/** The API's limit on an audited note (`note` of every decision body: maxLength 2000). */
export const NOTE_MAX_LENGTH = 2000;

/** The free-text "why" a decision carries into the audit log. */
export function NoteField({
  label = "Note (audited)",
  value,
  onChange,
}: {
  label?: string;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <TextAreaField
      label={label}
      value={value}
      maxLength={NOTE_MAX_LENGTH}
      onChange={(e) => {
        onChange(e.target.value);
      }}
    />
  );
}
