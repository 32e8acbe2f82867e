"""The TTL cache of a secret document and its grace period, on an injected clock (no network)."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping

import pytest

from finops.core.errors import ConfigurationError
from finops.secrets import CachedDocument, SecretSourceRefusedError, SecretSourceUnavailableError
from finops.secrets.cache import STALE_RETRY_SECONDS, text_fields


class FakeClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


Outcome = Mapping[str, str] | Exception


class ScriptedSource:
    """A fetch that returns (or raises) the scripted outcomes in order, the last one repeated."""

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    def then(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes)

    def __call__(self) -> Mapping[str, str]:
        self.calls += 1
        outcome = self.outcomes[0] if len(self.outcomes) == 1 else self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def _unavailable() -> SecretSourceUnavailableError:
    return SecretSourceUnavailableError(
        "could not read Vault secret secret/finops: ConnectionError"
    )


def _document(
    source: Callable[[], Mapping[str, str]], clock: FakeClock, ttl: float = 300, grace: float = 900
) -> CachedDocument:
    return CachedDocument(
        describe="Vault secret/finops at http://vault.test:8200",
        fetch=source,
        ttl_seconds=ttl,
        stale_grace_seconds=grace,
        clock=clock,
    )


def test_value_is_served_from_memory_within_the_ttl() -> None:
    clock, source = FakeClock(), ScriptedSource({"database_url": "v1"})
    document = _document(source, clock)

    first = document.fields()
    clock.advance(299.9)
    second = document.fields()

    assert first["database_url"] == second["database_url"] == "v1"
    assert source.calls == 1


def test_rotated_value_is_seen_on_the_first_read_after_the_ttl() -> None:
    clock, source = FakeClock(), ScriptedSource({"database_url": "v1"})
    document = _document(source, clock)
    document.fields()
    source.then({"database_url": "v2"})

    clock.advance(299)
    within = document.fields()["database_url"]
    clock.advance(1)
    after = document.fields()["database_url"]

    assert (within, after) == ("v1", "v2")
    assert source.calls == 2


def test_ttl_zero_asks_the_source_on_every_read() -> None:
    clock, source = FakeClock(), ScriptedSource({"k": "v"})
    document = _document(source, clock, ttl=0)

    for _ in range(3):
        document.fields()

    assert source.calls == 3


def test_unreachable_source_serves_the_last_good_value_within_the_grace_period(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    clock, source = FakeClock(), ScriptedSource({"webhook_budgets": "https://hook/v1-secret"})
    document = _document(source, clock, ttl=60, grace=600)
    document.fields()
    source.then(_unavailable())

    clock.advance(61)
    stale = document.fields()["webhook_budgets"]

    assert stale == "https://hook/v1-secret"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    record = warnings[0]
    assert record.secret_source == "Vault secret/finops at http://vault.test:8200"  # type: ignore[attr-defined]
    assert record.age_seconds == 61.0  # type: ignore[attr-defined]
    assert record.error == "SecretSourceUnavailableError"  # type: ignore[attr-defined]
    for item in (caplog.text, repr(record.__dict__), repr(document)):
        assert "v1-secret" not in item


def test_a_failed_refresh_is_retried_at_most_every_min_ttl_and_retry_interval() -> None:
    clock, source = FakeClock(), ScriptedSource({"k": "v"})
    document = _document(source, clock, ttl=300, grace=3600)
    document.fields()
    source.then(_unavailable())
    clock.advance(300)
    document.fields()  # refresh fails, stale served
    calls_after_failure = source.calls

    clock.advance(STALE_RETRY_SECONDS - 1)
    document.fields()
    assert source.calls == calls_after_failure  # no new attempt yet: no timeout per read
    clock.advance(1)
    document.fields()
    assert source.calls == calls_after_failure + 1


def test_past_ttl_plus_grace_the_unavailable_error_is_raised() -> None:
    clock, source = FakeClock(), ScriptedSource({"k": "the-value"})
    document = _document(source, clock, ttl=60, grace=600)
    document.fields()
    source.then(_unavailable())

    clock.advance(60 + 600)
    with pytest.raises(SecretSourceUnavailableError) as caught:
        document.fields()

    message = caught.value.message
    assert "secret/finops" in message
    assert "grace period (600s)" in message
    assert "TTL (60s)" in message
    assert "the-value" not in message
    assert caught.value.details["stale_age_seconds"] == 660.0


def test_source_recovering_after_an_outage_gives_a_fresh_value_and_a_new_ttl() -> None:
    clock, source = FakeClock(), ScriptedSource({"k": "v1"})
    document = _document(source, clock, ttl=60, grace=600)
    document.fields()
    source.then(_unavailable())
    clock.advance(61)
    assert document.fields()["k"] == "v1"

    source.then({"k": "v2"})
    clock.advance(60)
    recovered = document.fields()["k"]
    clock.advance(59)
    cached = document.fields()["k"]

    assert recovered == cached == "v2"


def test_unreachable_source_without_any_good_read_raises_at_once() -> None:
    document = _document(ScriptedSource(_unavailable()), FakeClock())

    with pytest.raises(SecretSourceUnavailableError):
        document.fields()


def test_a_refusal_drops_the_cached_value_so_a_later_outage_serves_nothing() -> None:
    clock, source = FakeClock(), ScriptedSource({"k": "revoked-value"})
    document = _document(source, clock, ttl=60, grace=600)
    document.fields()
    source.then(SecretSourceRefusedError("could not read Vault secret secret/finops: Forbidden"))

    clock.advance(61)
    with pytest.raises(SecretSourceRefusedError):
        document.fields()
    source.then(_unavailable())
    with pytest.raises(SecretSourceUnavailableError):
        document.fields()  # the revoked value is not served from the grace period


def test_fields_are_read_only() -> None:
    document = _document(ScriptedSource({"k": "v"}), FakeClock())

    fields = document.fields()

    with pytest.raises(TypeError):
        fields["k"] = "changed"  # type: ignore[index]


@pytest.mark.parametrize(("ttl", "grace"), [(-1.0, 0.0), (0.0, -5.0), (math.nan, 0.0)])
def test_negative_or_nan_durations_are_refused(ttl: float, grace: float) -> None:
    with pytest.raises(ConfigurationError) as caught:
        _document(ScriptedSource({}), FakeClock(), ttl=ttl, grace=grace)

    assert "must be a number >= 0" in caught.value.message


def test_fields_are_text_and_unset_fields_are_left_out() -> None:
    fields = text_fields({"url": "postgresql://x", "port": 5432, "on": True, "none": None})

    assert fields == {"url": "postgresql://x", "port": "5432", "on": "true"}
