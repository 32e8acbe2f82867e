import { useNavigate } from "react-router";
import { ApiKeyForm } from "@/app/ApiKeyForm";
import { ROLES, useIdentity } from "@/app/identity";
import { Badge } from "@/ui/Badge";
import { Card } from "@/ui/Card";
import { ErrorState } from "@/ui/ErrorState";
import { PageHeader } from "@/ui/PageHeader";
import { SourceNote } from "@/ui/SourceNote";

const ROLE_TEXT: Record<(typeof ROLES)[number], string> = {
  viewer: "every page, read only.",
  operator:
    "accept, dismiss and apply recommendations; anomaly feedback; approve, reject, execute and roll back remediation actions; plan a policy now.",
  admin: "budgets, loading remediation policies, API keys.",
};

function CurrentKey() {
  const identity = useIdentity();
  if (identity.isPending) return null; // no key stored yet, or not answered yet
  if (identity.isError) return <ErrorState error={identity.error} />;
  const me = identity.data;
  return (
    <div className="mb-4 rounded-md bg-slate-50 px-3 py-2 text-sm ring-1 ring-slate-200">
      <p>
        This key is <strong data-testid="identity-name">{me.name}</strong>, role{" "}
        <Badge tone="info">{me.role}</Badge>
      </p>
      <p className="mt-1 text-xs text-slate-600">
        It may do what these roles allow: {me.permissions.join(", ")}.
      </p>
      <SourceNote requests={["GET /api/v1/me"]} />
    </div>
  );
}

export function SettingsPage() {
  const navigate = useNavigate();
  return (
    <>
      <PageHeader title="API key" description="The key this browser sends to the platform's API." />
      <Card className="max-w-2xl">
        <CurrentKey />
        <ApiKeyForm
          onSaved={() => {
            void navigate("/");
          }}
        />
        <div className="mt-5 border-t border-slate-200 pt-4 text-sm text-slate-700">
          <p className="font-medium">Roles</p>
          <ul className="mt-1 list-disc space-y-0.5 pl-5">
            {ROLES.map((role) => (
              <li key={role}>
                <strong>{role}</strong>: {ROLE_TEXT[role]}
              </li>
            ))}
          </ul>
          <p className="mt-2 text-slate-600">
            The dashboard offers only what the key's role allows; should the API refuse an action
            all the same, the page says "Not allowed for this key".
          </p>
        </div>
      </Card>
    </>
  );
}
