import { useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { maskKey, setApiKey } from "@/api/apiKey";
import { Button } from "@/ui/Button";
import { TextField } from "@/ui/Field";
import { useApiKey } from "./useApiKey";

/** Enter, replace or forget the API key (stored in this browser only). */
export function ApiKeyForm({ onSaved }: { onSaved?: () => void }) {
  const current = useApiKey();
  const [value, setValue] = useState("");
  const queryClient = useQueryClient();

  function submit(event: SyntheticEvent) {
    event.preventDefault();
    if (!value.trim()) return;
    setApiKey(value);
    setValue("");
    queryClient.clear();
    onSaved?.();
  }

  return (
    <form onSubmit={submit} className="space-y-3" aria-label="API key entry">
      <TextField
        label="API key"
        type="password"
        autoComplete="off"
        spellCheck={false}
        placeholder="fo_…"
        value={value}
        onChange={(e) => {
          setValue(e.target.value);
        }}
        hint={
          <>
            Sent as <code>X-API-Key</code> and kept in this browser only. The demo writes an admin
            key to <code>.finops/demo/api-key</code>;{" "}
            <code>finops apikey create --name you --role viewer</code> makes another.
          </>
        }
      />
      <div className="flex flex-wrap items-center gap-2">
        <Button type="submit" variant="primary" disabled={!value.trim()}>
          Save key
        </Button>
        {current && (
          <>
            <span className="text-sm text-slate-600">
              Using <code>{maskKey(current)}</code>
            </span>
            <Button
              variant="ghost"
              onClick={() => {
                setApiKey(null);
                queryClient.clear();
              }}
            >
              Forget key
            </Button>
          </>
        )}
      </div>
    </form>
  );
}
