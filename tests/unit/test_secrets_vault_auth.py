"""Vault auth in finops.secrets through the real hvac client over a fake HTTP transport (no
network): AWS IAM signing with boto3 credentials (the path OpenBao cannot run), AppRole token
renewal and re-login on an injected clock, the wrapped secret id, rotation after the TTL."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from pydantic import SecretStr
from requests.adapters import BaseAdapter

from finops.core.errors import ConfigurationError
from finops.secrets import (
    SecretSourceRefusedError,
    SecretSourceUnavailableError,
    VaultSecretSource,
)

ADDR = "http://vault.test:8200"
KV_PATH = "/v1/secret/data/finops"


class FakeClock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Seen:
    """One request as Vault would have received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeVault(BaseAdapter):
    """Just enough of the Vault HTTP API: logins (approle, aws), renew-self, unwrap, KV v2 read.

    ``kv_versions`` is the current secret; ``fail_next`` queues (path, status) answers that
    override the next request to that path; tokens it issues are ``tok-1``, ``tok-2``, ...
    """

    kv_data: dict[str, Any] = field(default_factory=lambda: {"database_url": "postgresql://v1"})
    lease_seconds: int = 60
    renew_lease_seconds: int = 60
    wrapped: dict[str, str] = field(default_factory=dict)
    fail_next: list[tuple[str, int]] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    live_tokens: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        super().__init__()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        path = urlsplit(request.url or "").path
        raw = request.body or b"{}"
        body = json.loads(raw if isinstance(raw, str) else raw.decode())
        headers = dict(request.headers)
        self.seen.append(Seen(request.method or "", path, headers, body))
        for index, (failing_path, status) in enumerate(self.fail_next):
            if failing_path == path:
                del self.fail_next[index]
                return _response(request, status, {"errors": ["scripted failure"]})
        token = headers.get("X-Vault-Token")
        if path.endswith("/login"):
            return _response(request, 200, self._login())
        if path == "/v1/auth/token/renew-self":
            if token not in self.live_tokens:
                return _response(request, 403, {"errors": ["permission denied"]})
            return _response(
                request,
                200,
                {
                    "auth": {
                        "client_token": token,
                        "lease_duration": self.renew_lease_seconds,
                        "renewable": True,
                    }
                },
            )
        if path == "/v1/sys/wrapping/unwrap":
            secret_id = self.wrapped.pop(token or "", None)
            if secret_id is None:
                return _response(request, 400, {"errors": ["wrapping token is not valid"]})
            return _response(request, 200, {"data": {"secret_id": secret_id}})
        if path == KV_PATH:
            if token not in self.live_tokens:
                return _response(request, 403, {"errors": ["permission denied"]})
            return _response(request, 200, {"data": {"data": dict(self.kv_data)}})
        return _response(request, 404, {"errors": []})

    def _login(self) -> dict[str, Any]:
        token = f"tok-{len(self.issued) + 1}"
        self.issued.append(token)
        self.live_tokens.add(token)
        return {
            "auth": {
                "client_token": token,
                "lease_duration": self.lease_seconds,
                "renewable": True,
            }
        }

    def expire_all_tokens(self) -> None:
        self.live_tokens.clear()

    def requests_to(self, suffix: str) -> list[Seen]:
        return [s for s in self.seen if s.path.endswith(suffix)]

    def close(self) -> None:
        pass


def _response(request: requests.PreparedRequest, status: int, body: Any) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json"
    response.url = request.url or ""
    response.request = request
    return response


@pytest.fixture
def vault() -> FakeVault:
    return FakeVault()


@pytest.fixture
def session(vault: FakeVault) -> Iterator[requests.Session]:
    http = requests.Session()
    http.mount("http://", vault)
    yield http
    http.close()


def _approle(session: requests.Session, clock: FakeClock, **kwargs: Any) -> VaultSecretSource:
    options: dict[str, Any] = {
        "addr": ADDR,
        "auth": "approle",
        "role_id": SecretStr("role-id-1"),
        "secret_id": SecretStr("secret-id-1"),
        "cache_ttl_seconds": 0,
        "clock": clock,
        "http_session": session,
        **kwargs,
    }
    return VaultSecretSource(**options)


# -- AWS IAM (HashiCorp Vault only) ------------------------------------------------------------


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """Credentials boto3's default chain finds in the environment (nothing else to find)."""
    credentials = {
        "AWS_ACCESS_KEY_ID": "AKIA" + secrets.token_hex(8).upper(),
        "AWS_SECRET_ACCESS_KEY": secrets.token_urlsafe(30),
        "AWS_SESSION_TOKEN": "session-" + secrets.token_urlsafe(20),
    }
    for name, value in credentials.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return credentials


def _signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret_key).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sigv4_is_valid(*, secret_key: str, method: str, headers: dict[str, str], body: str) -> bool:
    """Check a SigV4 Authorization header the way AWS does (written from the AWS spec, not
    from hvac), for a request to ``/`` with no query string."""
    authorization = headers["Authorization"]
    algorithm, _, rest = authorization.partition(" ")
    parts = dict(item.strip().split("=", 1) for item in rest.split(","))
    _access_key, date, region, service, _ = parts["Credential"].split("/")
    signed = parts["SignedHeaders"].split(";")
    lower = {name.lower(): value for name, value in headers.items()}
    canonical_headers = "".join(f"{name}:{lower[name].strip()}\n" for name in signed)
    canonical = "\n".join(
        [
            method,
            "/",
            "",
            canonical_headers,
            ";".join(signed),
            hashlib.sha256(body.encode()).hexdigest(),
        ]
    )
    to_sign = "\n".join(
        [
            algorithm,
            lower["x-amz-date"],
            f"{date}/{region}/{service}/aws4_request",
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    expected = hmac.new(
        _signing_key(secret_key, date, region, service), to_sign.encode(), hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts["Signature"])


def _decode(value: str) -> str:
    return base64.b64decode(value).decode()


def test_aws_iam_login_sends_a_getcalleridentity_request_signed_with_boto3_credentials(
    vault: FakeVault, session: requests.Session, aws_credentials: dict[str, str]
) -> None:
    source = VaultSecretSource(
        addr=ADDR,
        auth="aws_iam",
        role="finops-lambda",
        iam_server_id="vault.example.com",
        http_session=session,
    )

    value = source.get("database_url")

    assert value is not None
    assert value.get_secret_value() == "postgresql://v1"
    (login,) = vault.requests_to("/v1/auth/aws/login")
    assert login.method == "POST"
    assert login.body["role"] == "finops-lambda"
    assert login.body["iam_http_request_method"] == "POST"
    assert _decode(login.body["iam_request_url"]) == "https://sts.amazonaws.com/"
    signed_body = _decode(login.body["iam_request_body"])
    assert signed_body == "Action=GetCallerIdentity&Version=2011-06-15"
    headers = {k: v[0] for k, v in json.loads(_decode(login.body["iam_request_headers"])).items()}
    access_key = aws_credentials["AWS_ACCESS_KEY_ID"]
    assert headers["Authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={access_key}/")
    assert "/us-east-1/sts/aws4_request" in headers["Authorization"]
    assert headers["X-Amz-Security-Token"] == aws_credentials["AWS_SESSION_TOKEN"]
    assert headers["X-Vault-AWS-IAM-Server-ID"] == "vault.example.com"
    assert "x-vault-aws-iam-server-id" in headers["Authorization"]  # covered by the signature
    assert sigv4_is_valid(
        secret_key=aws_credentials["AWS_SECRET_ACCESS_KEY"],
        method="POST",
        headers=headers,
        body=signed_body,
    )
    assert not sigv4_is_valid(
        secret_key="not-the-key", method="POST", headers=headers, body=signed_body
    )
    # The secret key itself never travels; the KV read uses the token Vault issued.
    assert aws_credentials["AWS_SECRET_ACCESS_KEY"] not in json.dumps(login.body)
    (read,) = vault.requests_to(KV_PATH)
    assert read.headers["X-Vault-Token"] == vault.issued[0]


def test_aws_iam_login_uses_a_custom_mount_and_fresh_credentials_at_each_login(
    vault: FakeVault,
    session: requests.Session,
    aws_credentials: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock()
    source = VaultSecretSource(
        addr=ADDR,
        auth="aws_iam",
        auth_mount="aws-lambda",
        cache_ttl_seconds=0,
        clock=clock,
        http_session=session,
    )
    source.get("database_url")
    rotated_key = "AKIA" + secrets.token_hex(8).upper()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", rotated_key)  # the role's credentials rotated
    vault.renew_lease_seconds = 1  # renewal buys too little: log in again

    clock.advance(50)
    source.get("database_url")

    logins = vault.requests_to("/v1/auth/aws-lambda/login")
    assert len(logins) == 2
    second = json.loads(_decode(logins[1].body["iam_request_headers"]))
    assert f"Credential={rotated_key}/" in second["Authorization"][0]


def test_aws_iam_without_credentials_is_a_configuration_error_before_any_request(
    vault: FakeVault,
    session: requests.Session,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.delenv("AWS_WEB_IDENTITY_TOKEN_FILE", raising=False)
    source = VaultSecretSource(addr=ADDR, auth="aws_iam", http_session=session)

    with pytest.raises(ConfigurationError) as caught:
        source.get("database_url")

    assert "AWS IAM auth needs AWS credentials" in caught.value.message
    assert vault.seen == []


# -- AppRole: renewal, re-login, wrapped secret id -------------------------------------------


def test_approle_token_is_renewed_after_two_thirds_of_its_ttl(
    vault: FakeVault, session: requests.Session
) -> None:
    clock = FakeClock()
    source = _approle(session, clock)
    source.get("database_url")

    clock.advance(39)  # < 2/3 of 60 s
    source.get("database_url")
    assert vault.requests_to("/renew-self") == []
    clock.advance(2)  # > 2/3 of 60 s
    source.get("database_url")

    (renewal,) = vault.requests_to("/renew-self")
    assert renewal.headers["X-Vault-Token"] == "tok-1"
    assert len(vault.requests_to("/login")) == 1  # renewed, not re-obtained
    (login,) = vault.requests_to("/v1/auth/approle/login")
    assert login.body == {"role_id": "role-id-1", "secret_id": "secret-id-1"}


def test_approle_logs_in_again_when_renewal_fails_or_buys_too_little(
    vault: FakeVault, session: requests.Session
) -> None:
    clock = FakeClock()
    source = _approle(session, clock)
    source.get("database_url")

    vault.fail_next.append(("/v1/auth/token/renew-self", 500))
    clock.advance(41)
    source.get("database_url")  # renewal failed: login 2
    vault.renew_lease_seconds = 10  # < 1/3 of 60 s: the max TTL is near
    clock.advance(41)
    source.get("database_url")  # renewal too short: login 3

    assert vault.issued == ["tok-1", "tok-2", "tok-3"]
    reads = vault.requests_to(KV_PATH)
    assert [r.headers["X-Vault-Token"] for r in reads] == ["tok-1", "tok-2", "tok-3"]


def test_a_read_refused_with_403_logs_in_once_and_retries(
    vault: FakeVault, session: requests.Session
) -> None:
    clock = FakeClock()
    source = _approle(session, clock)
    source.get("database_url")
    vault.expire_all_tokens()  # e.g. revoked, or expired before its lease said

    value = source.get("database_url")

    assert value is not None
    assert vault.issued == ["tok-1", "tok-2"]
    vault.fail_next.extend([(KV_PATH, 403), (KV_PATH, 403)])
    with pytest.raises(SecretSourceRefusedError) as caught:
        source.get("database_url")
    assert "Forbidden" in caught.value.message
    assert "secret/finops" in caught.value.message


def test_token_auth_never_logs_in_and_a_403_is_not_retried(
    vault: FakeVault, session: requests.Session
) -> None:
    vault.live_tokens.add("static-token")
    source = VaultSecretSource(
        addr=ADDR, token=SecretStr("static-token"), cache_ttl_seconds=0, http_session=session
    )
    source.get("database_url")
    vault.fail_next.append((KV_PATH, 403))

    with pytest.raises(SecretSourceRefusedError):
        source.get("database_url")

    assert vault.requests_to("/login") == []
    assert len(vault.requests_to(KV_PATH)) == 2


def test_ambient_vault_token_is_not_sent_with_an_approle_login(
    vault: FakeVault, session: requests.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULT_TOKEN", "developer-shell-token")

    _approle(session, FakeClock()).get("database_url")

    (login,) = vault.requests_to("/login")
    assert "X-Vault-Token" not in login.headers


def test_wrapped_secret_id_is_unwrapped_once_and_reused_for_later_logins(
    vault: FakeVault, session: requests.Session, tmp_path: Path
) -> None:
    vault.wrapped["wrap-token-1"] = "secret-id-inside"
    secret_id_file = tmp_path / "secret-id"
    secret_id_file.write_text("wrap-token-1\n", encoding="utf-8")
    clock = FakeClock()
    source = _approle(
        session, clock, secret_id=None, secret_id_file=secret_id_file, secret_id_wrapped=True
    )

    source.get("database_url")
    vault.expire_all_tokens()
    source.get("database_url")  # a second login, no second unwrap

    (unwrap,) = vault.requests_to("/v1/sys/wrapping/unwrap")
    assert unwrap.headers["X-Vault-Token"] == "wrap-token-1"
    logins = vault.requests_to("/v1/auth/approle/login")
    assert [login.body["secret_id"] for login in logins] == ["secret-id-inside"] * 2


def test_a_rotated_secret_id_file_is_read_at_the_next_login(
    vault: FakeVault, session: requests.Session, tmp_path: Path
) -> None:
    secret_id_file = tmp_path / "secret-id"
    secret_id_file.write_text("secret-id-1", encoding="utf-8")
    source = _approle(session, FakeClock(), secret_id=None, secret_id_file=secret_id_file)
    source.get("database_url")

    secret_id_file.write_text("secret-id-2", encoding="utf-8")
    vault.expire_all_tokens()
    source.get("database_url")

    logins = vault.requests_to("/login")
    assert [login.body["secret_id"] for login in logins] == ["secret-id-1", "secret-id-2"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"role_id": None}, "FINOPS_VAULT_ROLE_ID"),
        ({"secret_id": None}, "exactly one of FINOPS_VAULT_SECRET_ID"),
        ({"secret_id_file": Path("/x")}, "exactly one of FINOPS_VAULT_SECRET_ID"),
        ({"secret_id": None, "secret_id_file": Path("/nonexistent/x")}, "cannot be read"),
    ],
)
def test_incomplete_approle_configuration_fails_before_any_request(
    vault: FakeVault, session: requests.Session, options: dict[str, Any], expected: str
) -> None:
    source = _approle(session, FakeClock(), **options)

    with pytest.raises(ConfigurationError) as caught:
        source.get("database_url")

    assert expected in caught.value.message
    assert vault.seen == []


def test_unknown_auth_method_is_refused() -> None:
    with pytest.raises(ConfigurationError) as caught:
        VaultSecretSource(addr=ADDR, auth="kerberos")

    assert "FINOPS_VAULT_AUTH" in caught.value.message


# -- the cache through a Vault source ----------------------------------------------------------


def test_rotated_kv_version_is_seen_after_the_default_ttl_on_an_injected_clock(
    vault: FakeVault, session: requests.Session
) -> None:
    vault.live_tokens.add("t")
    clock = FakeClock()
    source = VaultSecretSource(addr=ADDR, token=SecretStr("t"), clock=clock, http_session=session)
    source.get("database_url")
    vault.kv_data = {"database_url": "postgresql://v2"}

    clock.advance(299)
    within = source.get("database_url")
    clock.advance(2)
    after = source.get("database_url")

    assert within is not None
    assert after is not None
    assert within.get_secret_value() == "postgresql://v1"
    assert after.get_secret_value() == "postgresql://v2"


def test_sealed_vault_serves_stale_but_a_403_ends_the_cache(
    vault: FakeVault, session: requests.Session
) -> None:
    vault.live_tokens.add("t")
    clock = FakeClock()
    source = VaultSecretSource(
        addr=ADDR, token=SecretStr("t"), cache_ttl_seconds=10, clock=clock, http_session=session
    )
    source.get("database_url")

    vault.fail_next.append((KV_PATH, 503))  # sealed / standby
    clock.advance(11)
    stale = source.get("database_url")
    assert stale is not None
    assert stale.get_secret_value() == "postgresql://v1"

    vault.live_tokens.clear()  # the token was revoked
    clock.advance(11)
    with pytest.raises(SecretSourceRefusedError):
        source.get("database_url")
    vault.fail_next.append((KV_PATH, 503))
    with pytest.raises(SecretSourceUnavailableError):
        source.get("database_url")  # nothing left to serve
