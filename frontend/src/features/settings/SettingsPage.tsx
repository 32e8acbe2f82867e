import { useNavigate } from "react-router";
import { ApiKeyForm } from "@/app/ApiKeyForm";
import { Card } from "@/ui/Card";
import { PageHeader } from "@/ui/PageHeader";

export function SettingsPage() {
  const navigate = useNavigate();
  return (
    <>
      <PageHeader title="API key" description="The key this browser sends to the platform's API." />
      <Card className="max-w-2xl">
        <ApiKeyForm
          onSaved={() => {
            void navigate("/");
          }}
        />
        <div className="mt-5 border-t border-slate-200 pt-4 text-sm text-slate-700">
          <p className="font-medium">Roles</p>
          <ul className="mt-1 list-disc space-y-0.5 pl-5">
            <li>
              <strong>viewer</strong>: every page, read only.
            </li>
            <li>
              <strong>operator</strong>: accept, dismiss and apply recommendations; anomaly
              feedback; approve or reject remediation.
            </li>
            <li>
              <strong>admin</strong>: budgets, remediation policies, API keys.
            </li>
          </ul>
          <p className="mt-2 text-slate-600">
            An action your key's role does not allow answers "Not allowed for this key".
          </p>
        </div>
      </Card>
    </>
  );
}
