import { useNavigate } from "react-router";
import { AskForm } from "./AskForm";
import { askPath } from "./path";

/** The Overview's question box: asks on the Ask page (which keeps the answer and the history). */
export function AskBox() {
  const navigate = useNavigate();
  return (
    <div className="w-full sm:w-[28rem]" data-testid="overview-ask">
      <AskForm
        request={null}
        withAsOf={false}
        label="Ask about your costs"
        onAsk={(request) => {
          void navigate(askPath(request));
        }}
      />
    </div>
  );
}
