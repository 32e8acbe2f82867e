"""The Helm chart infra_cdk/helm/finops, checked with the real Helm 4 engine (PyPI
``helm-python-sdk``: Helm's Go SDK behind a C ABI, no ``helm`` binary or cluster needed) and the
real manifest validator (PyPI ``kubernetes-validate``, offline schemas, ``--strict``).

Every value set below is linted (``helm lint --strict``) and rendered (``helm template``); every
rendered object is validated against Kubernetes 1.29 (the chart's ``kubeVersion`` floor) and
1.37. The render is then held against the repository: the API's real routes, the jobs
registry and its parameter models, the Dockerfile, docker-compose.yml and the monitoring/ files
the chart ships through its ``files/monitoring`` link.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
import yaml

from chalicelib.local_server import start_server_thread
from finops import __version__
from finops.api.routes import ROUTES
from finops.api.spec import API_PREFIX
from finops.config import Settings
from finops.db import migrate
from finops.db.database import open_database
from finops.jobs.parameters import read_parameters
from finops.jobs.registry import get_job, registered_jobs

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "infra_cdk" / "helm" / "finops"
MONITORING = ROOT / "monitoring"
LAUNCHER = CHART / "files" / "finops-launch.py"
KUBERNETES_VALIDATE = Path(sys.executable).parent / "kubernetes-validate"
KUBE_VERSIONS = ("1.29.0", "1.37.0")
RELEASE, NAMESPACE = "finops", "finops"
PLATFORM_UID = 10001
#: Parameters the chart computes per run instead of taking them from the values.
WINDOW_PARAMETERS = {"collect_usage": {"start", "end"}}
#: Hosts the monitoring files name that this chart does not run (Airflow's statsd_exporter).
NOT_IN_CHART = {"statsd-exporter"}

#: Observability off, an Ingress, Vault with token auth (the database URL from Vault), network
#: policies, and the billing sweep on with its bucket.
SECOND: dict[str, Any] = {
    "observability": {"enabled": False},
    "ingress": {
        "enabled": True,
        "className": "nginx",
        "tls": [{"secretName": "finops-tls", "hosts": ["finops.example.com"]}],
    },
    "vault": {
        "enabled": True,
        "addr": "https://openbao.vault.svc:8200",
        "existingSecret": "finops-vault",
    },
    "database": {"existingSecret": ""},
    "networkPolicy": {
        "enabled": True,
        "allowFrom": [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
        ],
    },
    "jobs": {
        "stages": {
            "sync_billing_bucket": {
                "enabled": True,
                "params": {"bucket": "billing", "prefix": "cur/"},
            }
        }
    },
}
#: Everything on: postgres-exporter, the ExternalName `postgres`, the Alertmanager webhook from
#: a Secret, network policies, AppRole auth, IRSA, parameters and placement of one stage.
THIRD: dict[str, Any] = {
    "database": {"host": "db.example.internal"},
    "networkPolicy": {"enabled": True},
    "serviceAccount": {
        "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/finops"}
    },
    "aws": {"region": "eu-west-1"},
    "vault": {
        "enabled": True,
        "addr": "http://openbao:8200",
        "auth": "approle",
        "existingSecret": "finops-vault",
    },
    "extraEnv": [{"name": "FINOPS_HOLIDAY_COUNTRY", "value": "DE"}],
    "jobs": {
        "stages": {
            "rightsize": {
                "params": {"lookback_days": 30},
                "resources": {"requests": {"cpu": "1", "memory": "1Gi"}},
            }
        }
    },
    "observability": {
        "postgresExporter": {"enabled": True, "existingSecret": "finops-exporter"},
        "alertmanager": {"webhookUrlSecret": {"name": "finops-alert-webhook"}},
        "prometheus": {"persistence": {"enabled": False}},
    },
}
VALUE_SETS: dict[str, dict[str, Any]] = {"default": {}, "second": SECOND, "third": THIRD}

Doc = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# rendering


def _render_raw(values: dict[str, Any]) -> dict[str, str]:
    """``helm template``: {template path: rendered text} (NOTES.txt included)."""
    with helm.Chart.load(CHART) as chart:
        rendered: dict[str, str] = chart.render(values=values, name=RELEASE, namespace=NAMESPACE)
    return rendered


def _objects(rendered: dict[str, str]) -> list[Doc]:
    return [
        doc
        for template, text in rendered.items()
        if template.endswith(".yaml")
        for doc in yaml.safe_load_all(text)
        if doc
    ]


def _render(values: dict[str, Any]) -> list[Doc]:
    """The objects ``helm template`` renders with ``values``."""
    return _objects(_render_raw(values))


@cache
def _manifests(name: str) -> dict[str, str]:
    return _render_raw(VALUE_SETS[name])


@cache
def _docs_json(name: str) -> str:
    return json.dumps(_objects(_manifests(name)))


def _docs(name: str) -> list[Doc]:
    """The objects rendered with the value set ``name`` (a fresh copy each call)."""
    docs: list[Doc] = json.loads(_docs_json(name))
    return docs


def _find(docs: list[Doc], kind: str, name: str) -> Doc:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name, [f"{d['kind']}/{d['metadata']['name']}" for d in docs])
    return found[0]


def _pod_specs(docs: list[Doc]) -> Iterator[tuple[str, Doc]]:
    """(kind/name, pod spec) of every workload."""
    for doc in docs:
        label = f"{doc['kind']}/{doc['metadata']['name']}"
        if doc["kind"] in {"Deployment", "Job"}:
            yield label, doc["spec"]["template"]["spec"]
        elif doc["kind"] == "CronJob":
            yield label, doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def _containers(spec: Doc) -> list[Doc]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def _platform_image() -> str:
    return f"finops:{__version__}"


def _env(container: Doc) -> dict[str, Doc]:
    return {entry["name"]: entry for entry in container.get("env", [])}


# ---------------------------------------------------------------------------------------------
# lint and manifest validation


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_helm_lint_strict_finds_nothing(name: str) -> None:
    report = helm.lint(CHART, VALUE_SETS[name], strict=True, kube_version=f"v{KUBE_VERSIONS[0]}")
    assert report["errors"] == [], report
    # severity 2 = warning, 3 = error (strict makes warnings fail); 1 = info ("icon is recommended")
    assert [m for m in report["messages"] if m["severity"] >= 2] == [], report


def _kubernetes_validate(path: Path) -> subprocess.CompletedProcess[str]:
    if not KUBERNETES_VALIDATE.exists():
        pytest.fail("kubernetes-validate is missing: pip install -e '.[dev]'")
    versions = [arg for version in KUBE_VERSIONS for arg in ("-k", version)]
    return subprocess.run(
        [str(KUBERNETES_VALIDATE), "--strict", *versions, str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_every_rendered_object_validates_strictly(name: str, tmp_path: Path) -> None:
    docs = _docs(name)
    manifest = tmp_path / f"{name}.yaml"
    manifest.write_text(yaml.safe_dump_all(docs))
    done = _kubernetes_validate(manifest)
    assert done.returncode == 0, done.stdout + done.stderr
    # a kind without a schema is only a WARN (exit 0): every object must have passed, per version
    assert "WARN" not in done.stdout, done.stdout
    assert done.stdout.count(" passed for resource ") == len(docs) * len(KUBE_VERSIONS)


def test_strict_validation_refuses_an_unknown_field(tmp_path: Path) -> None:
    """The negative control of the test above: the validator really looks at the fields."""
    deployment = _find(_docs("default"), "Deployment", f"{RELEASE}-api")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}
    manifest = tmp_path / "bad.yaml"
    manifest.write_text(yaml.safe_dump(deployment))
    done = _kubernetes_validate(manifest)
    assert done.returncode != 0
    assert "readinessProbes" in done.stdout


# ---------------------------------------------------------------------------------------------
# security


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_every_container_runs_as_non_root_on_a_read_only_root(name: str) -> None:
    workloads = list(_pod_specs(_docs(name)))
    assert workloads
    for label, spec in workloads:
        assert spec["securityContext"]["runAsNonRoot"] is True, label
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", label
        assert spec["automountServiceAccountToken"] is False, label
        for container in _containers(spec):
            where = (label, container["name"])
            security = container["securityContext"]
            assert security["runAsNonRoot"] is True, where
            assert isinstance(security["runAsUser"], int), where
            assert security["runAsUser"] > 0, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            if container["image"] == _platform_image():
                assert security["runAsUser"] == PLATFORM_UID, where
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][bound]), where


def test_the_platform_uid_is_the_images() -> None:
    dockerfile = (ROOT / "infra_cdk/images/finops.Dockerfile").read_text()
    assert f"--uid {PLATFORM_UID}" in dockerfile
    assert f"USER {PLATFORM_UID}" in dockerfile


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_no_secret_is_rendered_and_credentials_come_from_secrets(name: str) -> None:
    docs = _docs(name)
    assert [d for d in docs if d["kind"] == "Secret"] == []
    credential = re.compile(r"(PASSWORD|TOKEN|SECRET|DATABASE_URL|DATA_SOURCE_NAME|ROLE_ID)")
    for label, spec in _pod_specs(docs):
        for container in _containers(spec):
            for variable, entry in _env(container).items():
                if credential.search(variable):
                    assert "value" not in entry, (label, variable)
                    assert "secretKeyRef" in entry["valueFrom"], (label, variable)
    # no URL with a password in it (user:password@host), no placeholder (NOTES.txt, the
    # instructions, shows the shape of the URL to put in the Secret)
    text = "\n".join(t for k, t in _manifests(name).items() if not k.endswith("NOTES.txt"))
    assert not re.search(r"://[^/\s:@\"]+:[^@\s/\"]+@", text)
    assert "changeme" not in text.lower()


# ---------------------------------------------------------------------------------------------
# the API, the migration, the shared configuration


def _route(operation_id: str) -> Any:
    found = [route for route in ROUTES if route.operation_id == operation_id]
    assert len(found) == 1, operation_id
    return found[0]


def test_every_deployment_is_probed_and_the_api_on_its_real_routes() -> None:
    health, openapi = f"{API_PREFIX}{_route('getHealth').path}", f"{API_PREFIX}/openapi.json"
    assert health == "/api/v1/health"
    platform = 0
    for name in VALUE_SETS:
        for doc in _docs(name):
            if doc["kind"] != "Deployment":
                continue
            for container in doc["spec"]["template"]["spec"]["containers"]:
                if container["name"] == "promtail":  # a sidecar: the pod is its API's
                    continue
                assert "readinessProbe" in container, doc["metadata"]["name"]
                assert "livenessProbe" in container, doc["metadata"]["name"]
                if container["image"] == _platform_image():
                    platform += 1
                    assert container["readinessProbe"]["httpGet"]["path"] == health
                    assert container["livenessProbe"]["httpGet"]["path"] == openapi
                    assert container["readinessProbe"]["httpGet"]["port"] == "http"
                    assert {"name": "http", "containerPort": 8000} in container["ports"]
    assert platform == len(VALUE_SETS)
    # the image's own health check asks the same route
    assert health in (ROOT / "infra_cdk/images/finops.Dockerfile").read_text()


def _get_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_the_probe_paths_answer_as_the_probes_expect(tmp_path: Path) -> None:
    """The real server: ready (200) with its database and not ready (503) without it, while the
    liveness path answers 200 either way (a database outage must not restart the pods)."""
    container = _find(_docs("default"), "Deployment", f"{RELEASE}-api")["spec"]["template"]["spec"][
        "containers"
    ][0]
    ready = container["readinessProbe"]["httpGet"]["path"]
    alive = container["livenessProbe"]["httpGet"]["path"]
    url = f"sqlite:///{tmp_path / 'finops.db'}"
    migrate.upgrade(open_database(url).engine)
    for database_url, ready_status in (
        (url, 200),
        ("postgresql+psycopg2://finops@127.0.0.1:1/finops", 503),
    ):
        server = start_server_thread(database_url=database_url)
        try:
            assert _get_status(server.url + ready) == ready_status, database_url
            assert _get_status(server.url + alive) == 200, database_url
        finally:
            server.stop()


def test_the_api_runs_the_images_serve_command() -> None:
    dockerfile = (ROOT / "infra_cdk/images/finops.Dockerfile").read_text()
    found = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert found is not None
    cmd = json.loads(found.group(1))
    expected = ["finops", "--log-json", "--log-level", "INFO", *cmd]
    for name, launched in (("default", True), ("second", False)):
        container = _find(_docs(name), "Deployment", f"{RELEASE}-api")["spec"]["template"]["spec"][
            "containers"
        ][0]
        argv = container["command"] + container["args"]
        if launched:  # through the launcher, which ships the lines to Loki
            assert argv[:2] == ["python", "/opt/finops-launch/finops-launch.py"]
            argv = argv[argv.index("--") + 1 :]
        assert argv == expected, name


def test_the_migration_is_a_pre_install_and_pre_upgrade_hook() -> None:
    for name in VALUE_SETS:
        docs = _docs(name)
        job = _find(docs, "Job", f"{RELEASE}-migrate")
        annotations = job["metadata"]["annotations"]
        assert set(annotations["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
        container = job["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] + container["args"][-2:] == ["finops", "db", "upgrade"]
        assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
        # hooks run before the release's objects exist: its ServiceAccount is a hook, created first
        account = _find(
            docs, "ServiceAccount", job["spec"]["template"]["spec"]["serviceAccountName"]
        )
        assert account["metadata"]["annotations"]["helm.sh/hook"] == annotations["helm.sh/hook"]
        assert int(account["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(
            annotations["helm.sh/hook-weight"]
        )
    irsa = _find(_docs("third"), "ServiceAccount", f"{RELEASE}-migrate")["metadata"]["annotations"]
    assert (
        irsa["eks.amazonaws.com/role-arn"]
        == THIRD["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"]
    )
    assert [d for d in _render({"migrate": {"enabled": False}}) if d["kind"] == "Job"] == []


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_api_migration_and_stages_share_one_configuration(name: str) -> None:
    environments = {
        label: container["env"]
        for label, spec in _pod_specs(_docs(name))
        for container in spec["containers"]
        if container["image"] == _platform_image()
    }
    assert len(environments) >= 3
    first = next(iter(environments.values()))
    assert all(env == first for env in environments.values()), environments.keys()
    names = {entry["name"] for entry in first}
    # every FINOPS_* variable set is one the platform's settings read
    known = {f"FINOPS_{field.upper()}" for field in Settings.model_fields}
    assert {n for n in names if n.startswith("FINOPS_")} <= known, names - known
    if VALUE_SETS[name].get("observability", {}).get("enabled", True):
        assert {"name": "FINOPS_PUSHGATEWAY_URL", "value": "http://pushgateway:9091"} in first
    else:
        assert "FINOPS_PUSHGATEWAY_URL" not in names
    if VALUE_SETS[name].get("vault", {}).get("enabled"):
        assert {"FINOPS_VAULT_ADDR", "FINOPS_VAULT_AUTH", "FINOPS_VAULT_MOUNT"} <= names
    else:
        assert not {n for n in names if n.startswith("FINOPS_VAULT_")}


def test_the_database_url_comes_from_the_existing_secret() -> None:
    api = _find(_docs("default"), "Deployment", f"{RELEASE}-api")
    entry = _env(api["spec"]["template"]["spec"]["containers"][0])["FINOPS_DATABASE_URL"]
    assert entry["valueFrom"]["secretKeyRef"] == {"name": "finops-database", "key": "url"}
    # with the URL in Vault there is no such variable at all
    second = _find(_docs("second"), "Deployment", f"{RELEASE}-api")
    assert "FINOPS_DATABASE_URL" not in _env(second["spec"]["template"]["spec"]["containers"][0])


# ---------------------------------------------------------------------------------------------
# the stages


def _cronjobs(docs: list[Doc]) -> dict[str, Doc]:
    return {d["metadata"]["labels"]["finops-stage"]: d for d in docs if d["kind"] == "CronJob"}


def _stage_values() -> dict[str, Any]:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    stages: dict[str, Any] = values["jobs"]["stages"]
    return stages


def test_the_stages_are_the_jobs_registry() -> None:
    registry = {job.name for job in registered_jobs()}
    assert set(_stage_values()) == registry
    schema = json.loads((CHART / "values.schema.json").read_text())
    assert set(schema["properties"]["jobs"]["properties"]["stages"]["properties"]) == registry


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_a_cronjob_runs_each_enabled_stage(name: str) -> None:
    values = _stage_values()
    for stage, override in VALUE_SETS[name].get("jobs", {}).get("stages", {}).items():
        values[stage] = {**values[stage], **override}
    cronjobs = _cronjobs(_docs(name))
    assert set(cronjobs) == {stage for stage, conf in values.items() if conf["enabled"]}
    for stage, cronjob in cronjobs.items():
        assert cronjob["spec"]["schedule"] == values[stage]["schedule"]
        assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
        assert len(cronjob["metadata"]["name"]) <= 52
        container = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
        assert container["image"] == _platform_image()
        assert container["command"][-3:] == ["jobs", "run", stage]


def test_the_schema_takes_exactly_each_stages_parameters() -> None:
    """The schema's `params` of a stage are the fields of its pydantic model (less those the
    chart computes per run); the ones the model requires are required once it is enabled."""
    schema = json.loads((CHART / "values.schema.json").read_text())
    stages = schema["properties"]["jobs"]["properties"]["stages"]["properties"]
    for job in registered_jobs():
        computed = WINDOW_PARAMETERS.get(job.name, set())
        node = stages[job.name]
        params = node["properties"]["params"]
        assert params["additionalProperties"] is False, job.name
        assert set(params["properties"]) == set(job.parameters.model_fields) - computed, job.name
        required = {
            field for field, info in job.parameters.model_fields.items() if info.is_required()
        } - computed
        given = set(
            node.get("then", {}).get("properties", {}).get("params", {}).get("required", [])
        )
        assert given == required, job.name
        if required:
            assert node["if"] == {"properties": {"enabled": {"const": True}}}, job.name


def _stub_finops(directory: Path) -> Path:
    """A `finops` on PATH that records its arguments (JSON) and prints a line."""
    directory.mkdir()
    stub = directory / "finops"
    stub.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "with open(os.environ['STUB_OUT'], 'w') as f:\n"
        "    json.dump(sys.argv[1:], f)\n"
        "print('stage ran')\n"
    )
    stub.chmod(0o755)
    return directory


def _launch(
    argv: list[str], tmp_path: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run a rendered launcher command here: this Python, the chart's launcher file, the log
    directory under tmp_path."""
    assert argv[:2] == ["python", "/opt/finops-launch/finops-launch.py"]
    argv = [sys.executable, str(LAUNCHER)] + [
        arg.replace("/var/log/finops/", f"{tmp_path}/") for arg in argv[2:]
    ]
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)


@pytest.mark.parametrize("name", ["default", "second", "third"])
def test_every_stage_command_passes_parameters_the_stage_accepts(name: str, tmp_path: Path) -> None:
    """Each rendered CronJob command, run with a stub `finops`, calls `finops ... jobs run NAME`
    with parameters the stage's own model reads (collect_usage: its rolling window of dates)."""
    values = json.loads(json.dumps(VALUE_SETS[name]))
    values.setdefault("observability", {}).setdefault("promtail", {})["lingerSeconds"] = 0
    bin_dir = _stub_finops(tmp_path / "bin")
    for stage, cronjob in _cronjobs(_render(values)).items():
        container = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
        out = tmp_path / f"{stage}.argv.json"
        env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "STUB_OUT": str(out),
        }
        before = dt.datetime.now(dt.UTC).date()
        done = _launch(container["command"], tmp_path, env)
        assert done.returncode == 0, done.stderr
        assert "stage ran" in done.stdout
        argv = json.loads(out.read_text())
        assert argv[: argv.index("jobs")] == ["--log-json", "--log-level", "INFO"]
        given: dict[str, Any] = {}
        if "--params" in argv:
            given = json.loads(argv[argv.index("--params") + 1])
        assert argv[argv.index("jobs") : argv.index("jobs") + 3] == ["jobs", "run", stage]
        read_parameters(stage, get_job(stage).parameters, given)  # raises when refused
        if stage == "collect_usage":
            window = _stage_values()["collect_usage"]["windowDays"]
            end = dt.date.fromisoformat(given["end"])
            assert end in {before, dt.datetime.now(dt.UTC).date()}
            assert dt.date.fromisoformat(given["start"]) == end - dt.timedelta(days=window)
        if name != "second":  # log lines shipped: the file Promtail tails holds them
            assert (tmp_path / f"{stage}.log").read_text() == "stage ran\n"


# ---------------------------------------------------------------------------------------------
# the launcher


def _launcher(*args: str, **popen: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(LAUNCHER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def test_the_launcher_copies_lines_and_keeps_the_exit_status(tmp_path: Path) -> None:
    log = tmp_path / "api.log"
    script = "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"
    process = _launcher(f"--log-file={log}", "--", sys.executable, "-c", script)
    stdout, _ = process.communicate(timeout=30)
    assert process.returncode == 3
    assert sorted(stdout.splitlines()) == ["err", "out"]
    assert sorted(log.read_text().splitlines()) == ["err", "out"]


def test_the_launcher_rotates_the_log_file(tmp_path: Path) -> None:
    log = tmp_path / "stage.log"
    script = "for i in range(10): print(f'line {i:03d}')"  # 9 bytes a line
    process = _launcher(f"--log-file={log}", "--max-bytes=30", "--", sys.executable, "-c", script)
    process.communicate(timeout=30)
    assert process.returncode == 0
    # renamed once it held 30 bytes or more (four lines); the last rotation kept lines 4-7
    assert log.read_text() == "line 008\nline 009\n"
    assert Path(f"{log}.1").read_text() == "".join(f"line {i:03d}\n" for i in range(4, 8))


def test_the_launcher_passes_sigterm_on(tmp_path: Path) -> None:
    script = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *_: (print('stopping', flush=True), sys.exit(0)))\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    process = _launcher("--", sys.executable, "-c", script)
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    stdout, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert stdout == "stopping\n"
    assert time.monotonic() - started < 10


def test_the_launcher_reports_a_command_it_cannot_start() -> None:
    process = _launcher("--", "/nonexistent/finops")
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 127
    assert "cannot start /nonexistent/finops" in stderr


# ---------------------------------------------------------------------------------------------
# the observability stack and the monitoring files


def test_the_chart_reads_monitoring_through_a_link() -> None:
    link = CHART / "files" / "monitoring"
    assert link.is_symlink()
    assert link.resolve() == MONITORING.resolve()


def test_a_packaged_chart_holds_the_monitoring_files_themselves(tmp_path: Path) -> None:
    archive = helm.package(CHART, destination=tmp_path)
    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
        prometheus = members["finops/files/monitoring/prometheus/prometheus.yml"]
        assert prometheus.isfile()
        extracted = tar.extractfile(prometheus)
        assert extracted is not None
        assert extracted.read() == (MONITORING / "prometheus/prometheus.yml").read_bytes()
    assert not [name for name in members if "/prometheus/tests/" in name]


def _configmap(docs: list[Doc], suffix: str) -> dict[str, str]:
    data: dict[str, str] = _find(docs, "ConfigMap", f"{RELEASE}-{suffix}")["data"]
    return data


def test_the_configmaps_hold_the_monitoring_files_byte_for_byte() -> None:
    docs = _docs("default")
    prometheus = _configmap(docs, "prometheus")
    assert prometheus["prometheus.yml"] == (MONITORING / "prometheus/prometheus.yml").read_text()
    rules = sorted((MONITORING / "prometheus/rules").glob("*.yml"))
    assert rules
    assert set(prometheus) == {"prometheus.yml"} | {f"rules.{r.name}" for r in rules}
    for rule in rules:
        assert prometheus[f"rules.{rule.name}"] == rule.read_text(), rule.name
    assert _configmap(docs, "alertmanager") == {
        "alertmanager.yml": (MONITORING / "alertmanager/alertmanager.yml").read_text()
    }
    assert _configmap(docs, "loki") == {"loki.yml": (MONITORING / "loki/loki.yml").read_text()}
    assert _configmap(docs, "promtail") == {
        "promtail.yml": (MONITORING / "promtail/promtail.yml").read_text()
    }
    provisioning = MONITORING / "grafana/provisioning"
    assert _configmap(docs, "grafana-provisioning") == {
        "datasources.finops.yml": (provisioning / "datasources/finops.yml").read_text(),
        "dashboards.finops.yml": (provisioning / "dashboards/finops.yml").read_text(),
    }
    dashboards = sorted((MONITORING / "grafana/dashboards").glob("*.json"))
    assert _configmap(docs, "grafana-dashboards") == {d.name: d.read_text() for d in dashboards}


def _mounted_files(docs: list[Doc], deployment: str, container: str) -> dict[str, str]:
    """The files a container sees from its ConfigMap volumes: {absolute path: content}."""
    spec = _find(docs, "Deployment", deployment)["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    files: dict[str, str] = {}
    for mount in next(c for c in spec["containers"] if c["name"] == container)["volumeMounts"]:
        source = volumes[mount["name"]].get("configMap")
        if source is None:
            continue
        data = _find(docs, "ConfigMap", source["name"])["data"]
        items = source.get("items") or [{"key": k, "path": k} for k in data]
        for item in items:
            files[f"{mount['mountPath']}/{item['path']}"] = data[item["key"]]
    return files


def _binary(name: str) -> str:
    path = Path(f"/usr/bin/{name}")
    if not path.exists():
        pytest.fail(f"{name} is not installed; run scripts/ensure_monitoring.sh")
    return str(path)


def test_promtool_accepts_the_prometheus_files_as_mounted(tmp_path: Path) -> None:
    """Prometheus's view of /etc/prometheus (prometheus.yml, rules/*.yml through its
    rule_files glob), written out and checked by the real promtool."""
    docs = _docs("default")
    files = _mounted_files(docs, f"{RELEASE}-prometheus", "prometheus")
    for path, content in files.items():
        target = tmp_path / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    config = tmp_path / "etc/prometheus/prometheus.yml"
    args = _find(docs, "Deployment", f"{RELEASE}-prometheus")["spec"]["template"]["spec"][
        "containers"
    ][0]["args"]
    assert "--config.file=/etc/prometheus/prometheus.yml" in args
    done = subprocess.run(
        [_binary("promtool"), "check", "config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rules = sorted((MONITORING / "prometheus/rules").glob("*.yml"))
    assert f"SUCCESS: {len(rules)} rule files found" in done.stdout
    for rule in rules:
        assert f"Checking {tmp_path}/etc/prometheus/rules/{rule.name}" in done.stdout


def _amtool_check(config: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "alertmanager.yml"
    path.write_text(config)
    return subprocess.run(
        [_binary("amtool"), "check-config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_alertmanager_webhook_url_is_the_one_thing_values_change(tmp_path: Path) -> None:
    original = yaml.safe_load((MONITORING / "alertmanager/alertmanager.yml").read_text())
    url = "https://hooks.example.com/finops"
    overridden = _configmap(
        _render({"observability": {"alertmanager": {"webhookUrl": url}}}), "alertmanager"
    )["alertmanager.yml"]
    expected = json.loads(json.dumps(original))
    for receiver in expected["receivers"]:
        for webhook in receiver.get("webhook_configs", []):
            webhook["url"] = url
    assert yaml.safe_load(overridden) == expected
    for config in (overridden, _configmap(_docs("default"), "alertmanager")["alertmanager.yml"]):
        done = _amtool_check(config, tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr

    # from a Secret: url_file (Alertmanager >= 0.26; Debian's amtool 0.25 cannot check it)
    docs = _docs("third")
    from_secret = yaml.safe_load(_configmap(docs, "alertmanager")["alertmanager.yml"])
    webhook = from_secret["receivers"][0]["webhook_configs"][0]
    assert "url" not in webhook
    spec = _find(docs, "Deployment", f"{RELEASE}-alertmanager")["spec"]["template"]["spec"]
    secret = next(v for v in spec["volumes"] if "secret" in v)["secret"]
    assert secret["secretName"] == "finops-alert-webhook"
    mount = next(m for m in spec["containers"][0]["volumeMounts"] if m["name"] == "webhook")
    assert webhook["url_file"] == f"{mount['mountPath']}/{secret['items'][0]['path']}"


def _hosts_the_monitoring_files_name() -> set[tuple[str, int]]:
    prometheus = yaml.safe_load((MONITORING / "prometheus/prometheus.yml").read_text())
    targets = [
        target
        for job in prometheus["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    ] + [
        target
        for manager in prometheus["alerting"]["alertmanagers"]
        for static in manager["static_configs"]
        for target in static["targets"]
    ]
    datasources = yaml.safe_load(
        (MONITORING / "grafana/provisioning/datasources/finops.yml").read_text()
    )
    targets += [re.sub(r"^https?://", "", d["url"]) for d in datasources["datasources"]]
    promtail = yaml.safe_load((MONITORING / "promtail/promtail.yml").read_text())
    targets += [re.sub(r"^https?://", "", c["url"]).split("/")[0] for c in promtail["clients"]]
    hosts = set()
    for target in targets:
        host, port = target.split(":")
        hosts.add((host, int(port)))
    return hosts


def test_services_answer_every_host_the_monitoring_files_name() -> None:
    named = _hosts_the_monitoring_files_name()
    assert ("api", 8000) in named
    assert ("pushgateway", 9091) in named

    def served(docs: list[Doc]) -> set[tuple[str, int]]:
        return {
            (d["metadata"]["name"], port["port"])
            for d in docs
            if d["kind"] == "Service"
            for port in d["spec"]["ports"]
        }

    everything = served(_docs("third"))
    assert {h for h in named if h[0] not in NOT_IN_CHART} <= everything
    missing_by_default = {h[0] for h in named - served(_docs("default"))}
    assert missing_by_default == NOT_IN_CHART | {"postgres-exporter", "postgres"}
    postgres = _find(_docs("third"), "Service", "postgres")
    assert postgres["spec"]["externalName"] == THIRD["database"]["host"]


def test_the_observability_images_are_those_of_docker_compose() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    values = yaml.safe_load((CHART / "values.yaml").read_text())["observability"]
    parts = {
        "prometheus": "prometheus",
        "pushgateway": "pushgateway",
        "alertmanager": "alertmanager",
        "grafana": "grafana",
        "loki": "loki",
        "promtail": "promtail",
        "postgresExporter": "postgres-exporter",
    }
    for part, service in parts.items():
        image = values[part]["image"]
        assert f"{image['repository']}:{image['tag']}" == compose[service]["image"], part
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2"
    assert chart["appVersion"] == __version__


def test_observability_off_leaves_only_the_platform() -> None:
    kinds = {f"{d['kind']}/{d['metadata']['name']}" for d in _docs("second")}
    assert not [
        k
        for k in kinds
        if k.startswith(("PersistentVolumeClaim/", "Service/")) and k != "Service/api"
    ]
    api = _find(_docs("second"), "Deployment", f"{RELEASE}-api")["spec"]["template"]["spec"]
    assert [c["name"] for c in api["containers"]] == ["api"]
    for stage, cronjob in _cronjobs(_docs("second")).items():
        spec = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        assert "initContainers" not in spec, stage


def test_stage_pods_ship_their_logs_through_a_native_sidecar() -> None:
    for stage, cronjob in _cronjobs(_docs("default")).items():
        spec = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        sidecar = spec["initContainers"][0]
        assert sidecar["name"] == "promtail"
        assert sidecar["restartPolicy"] == "Always", stage
        command = spec["containers"][0]["command"]
        assert f"--log-file=/var/log/finops/{stage}.log" in command
        logs = {m["mountPath"] for m in sidecar["volumeMounts"] if m["name"] == "logs"}
        assert logs == {"/var/log/finops"}


def test_ingress_and_network_policies() -> None:
    docs = _docs("second")
    ingress = _find(docs, "Ingress", RELEASE)
    backends = [
        path["backend"]["service"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    assert backends == [{"name": "api", "port": {"number": 8000}}]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    policy = _find(docs, "NetworkPolicy", f"{RELEASE}-api")
    assert SECOND["networkPolicy"]["allowFrom"][0] in policy["spec"]["ingress"][0]["from"]
    assert _find(docs, "NetworkPolicy", f"{RELEASE}-jobs")["spec"]["ingress"] == []
    # the policies of the full stack admit what the monitoring files wire together
    third = {
        d["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]: d["spec"]
        for d in _docs("third")
        if d["kind"] == "NetworkPolicy"
    }

    def admitted(component: str) -> set[str]:
        return {
            peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
            for rule in third[component]["ingress"]
            for peer in rule["from"]
        }

    assert "prometheus" in admitted("api")
    assert {"api", "jobs", "grafana"} <= admitted("loki")
    assert "jobs" in admitted("pushgateway")
    assert "prometheus" in admitted("alertmanager")


# ---------------------------------------------------------------------------------------------
# values.schema.json, values.yaml, README.md


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"api": {"replicas": "two"}}, "at '/api/replicas': got string, want integer"),
        ({"logLevel": "LOUD"}, "at '/logLevel'"),
        (
            {"jobs": {"stages": {"rightsize": {"schedule": "daily"}}}},
            "/jobs/stages/rightsize/schedule",
        ),
        (
            {"jobs": {"stages": {"rightsize": {"params": {"lookback": 3}}}}},
            "'lookback' not allowed",
        ),
        ({"jobs": {"stages": {"no_such_stage": {}}}}, "'no_such_stage' not allowed"),
        (
            {"jobs": {"stages": {"sync_billing_bucket": {"enabled": True}}}},
            "missing property 'bucket'",
        ),
        ({"database": {"existingSecret": ""}}, "at '/database/existingSecret': minLength"),
        ({"vault": {"enabled": True}}, "at '/vault/addr': minLength"),
        ({"databse": {}}, "'databse' not allowed"),
    ],
)
def test_the_schema_refuses_bad_values_clearly(values: dict[str, Any], message: str) -> None:
    with helm.Chart.load(CHART) as chart, pytest.raises(helm.HelmValuesError) as refused:
        chart.render(values=values, name=RELEASE, namespace=NAMESPACE)
    assert message in str(refused.value)
    report = helm.lint(CHART, values, strict=True)
    assert any(message in error for error in report["errors"]), report


def _schema_node(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    for part in node.get("allOf", []):
        if "$ref" in part:
            resolved: dict[str, Any] = schema["definitions"][part["$ref"].split("/")[-1]]
            return resolved
    return node


def _documented_paths(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every value the chart documents: the schema's properties down to a scalar, a list, a
    free-form map or a shared definition (resources, cron, quantity)."""
    paths: dict[str, dict[str, Any]] = {}

    def walk(node: dict[str, Any], path: str) -> None:
        is_reference = any("$ref" in part for part in node.get("allOf", []))
        if not is_reference and "properties" in node and not path.endswith(".params"):
            for key, child in node["properties"].items():
                walk(child, f"{path}.{key}" if path else key)
        else:
            paths[path] = node

    walk(schema, "")
    return paths


def _leaf_paths(values: Any, path: str = "") -> Iterator[str]:
    if isinstance(values, dict) and values:
        for key, child in values.items():
            yield from _leaf_paths(child, f"{path}.{key}" if path else key)
    else:
        yield path


def test_the_schema_covers_every_value_and_describes_it() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    documented = _documented_paths(schema)
    assert len(documented) > 100
    for path, node in documented.items():
        assert node.get("description"), path
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    for leaf in _leaf_paths(values):
        assert any(leaf == p or leaf.startswith(f"{p}.") for p in documented), leaf
    # and every documented value has a default in values.yaml
    leaves = set(_leaf_paths(values))
    for path in documented:
        assert any(leaf == path or leaf.startswith(f"{path}.") for leaf in leaves), path


def test_values_yaml_comments_and_the_readme_document_every_value() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    documented = set(_documented_paths(schema))
    readme = (CHART / "README.md").read_text()
    assert [p for p in sorted(documented) if f"| `{p}` |" not in readme] == []
    # values.yaml: each documented key has a "# --" comment right above it
    commented: set[str] = set()
    stack: list[tuple[int, str]] = []
    in_comment = False
    for line in (CHART / "values.yaml").read_text().splitlines():
        stripped = line.strip()
        match = re.match(r"^(\s*)([A-Za-z0-9_]+):", line)
        if match:
            indent = len(match.group(1))
            while stack and stack[-1][0] >= indent:
                stack.pop()
            stack.append((indent, match.group(2)))
            if in_comment:
                commented.add(".".join(key for _, key in stack))
        if stripped.startswith("# --"):
            in_comment = True
        elif not stripped.startswith("#"):
            in_comment = False
    assert sorted(documented - commented) == []


def test_a_chart_without_its_monitoring_files_fails_loudly(tmp_path: Path) -> None:
    copy = tmp_path / "finops"
    copy.mkdir()
    for item in CHART.iterdir():
        if item.name != "files":
            target = copy / item.name
            if item.is_dir():
                target.mkdir()
                for template in item.iterdir():
                    (target / template.name).write_bytes(template.read_bytes())
            else:
                target.write_bytes(item.read_bytes())
    (copy / "files").mkdir()
    (copy / "files" / "finops-launch.py").write_bytes(LAUNCHER.read_bytes())
    with helm.Chart.load(copy) as chart, pytest.raises(helm.HelmRenderError) as failed:
        chart.render(name=RELEASE, namespace=NAMESPACE)
    assert "is missing or empty" in str(failed.value)
    assert "files/monitoring" in str(failed.value)
