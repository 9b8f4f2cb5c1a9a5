"""Every operation of the API's OpenAPI document, fuzzed by schemathesis with inputs that fit the
schema and inputs that break it: no answer is a 5xx, and every 4xx is problem+json with `type`,
`title` and `status`. Few examples per operation keep it in the suite's time
(`FENGKONG_FUZZ_EXAMPLES` raises it for a deeper look by hand)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from factories import make_champion
from fakes.access import FakeAuthenticator, bearer
from fengkong.api.app import create_app
from fengkong.bootstrap import Context, bootstrap
from fengkong.core.clock import FakeClock
from fengkong.core.settings import Settings
from fengkong.decision.bundle import read_shipped_bundle
from fengkong.scoring.train import TrainedScorecard

EXAMPLES = int(os.environ.get("FENGKONG_FUZZ_EXAMPLES", "10"))


@pytest.fixture(scope="module")
def fuzzed_context(
    tmp_path_factory: pytest.TempPathFactory, trained: TrainedScorecard
) -> Iterator[Context]:
    """The `context` fixture's wiring, once for the module, with the rate limits off (the fuzzer
    asks faster than any client should)."""
    from datetime import UTC, datetime

    home = tmp_path_factory.mktemp("fuzz")
    clock = FakeClock(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    s = Settings(
        env="test",
        home=home,
        database_url=f"sqlite:///{home / 'fengkong.db'}",
        rate_limit_enabled=False,
    )
    ctx = bootstrap(s, clock=clock, policy=read_shipped_bundle("demo-german.yaml"))
    ctx.authenticator = FakeAuthenticator()
    with ctx.uow() as uow:
        make_champion(uow, ctx.artifacts_dir, trained, clock)
        uow.commit()
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def api_schema(fuzzed_context: Context) -> Any:
    return schemathesis.openapi.from_asgi(
        "/openapi.json", create_app(fuzzed_context), headers=bearer("fks_all")
    )


SENT: dict[str, int] = {}  # requests sent by mode, printed for docs/reliability.md (`-s`)


def _check(case: schemathesis.Case, mode: str) -> None:
    """No 5xx; a 4xx is problem+json with type, title and the status it was sent with."""
    response = case.call(headers=bearer("fks_all"))
    SENT[mode] = SENT.get(mode, 0) + 1
    where = f"{response.status_code} on {case.as_curl_command()}"
    assert response.status_code < 500, f"{where}\n{response.text[:500]}"
    if 400 <= response.status_code < 500:
        assert response.headers["content-type"][0].startswith("application/problem+json"), where
        doc = response.json()
        assert isinstance(doc, dict), where
        assert doc.get("type") and doc.get("title"), where
        assert doc.get("status") == response.status_code, where


def test_the_schema_lists_every_route(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 50  # 51 when written: a route left out of the document shows here


# schemathesis' own `from_fixture(...).parametrize()` does not run under pytest 9 (it renames
# the node through a private attribute): each operation is fuzzed here with its strategy instead.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_no_server_errors_and_problem_json_refusals(api_schema: Any, mode: GenerationMode) -> None:
    failures: list[str] = []
    fuzzed = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            # Breaking a schema takes hypothesis many more tries per example than fitting it.
            max_examples=EXAMPLES if mode is GenerationMode.POSITIVE else max(2, EXAMPLES // 3),
            suppress_health_check=list(HealthCheck),
            deadline=None,
            derandomize=True,
            database=None,
        )
        def fuzz(case: schemathesis.Case) -> None:
            _check(case, str(mode))

        try:
            fuzz()
            fuzzed += 1
        except Unsatisfiable:  # negative: an operation with no input has nothing to break
            assert mode is GenerationMode.NEGATIVE, operation.label
        except AssertionError as exc:
            failures.append(f"{operation.label}: {exc}")
    print(
        f"\n{mode}: {fuzzed} operations, {SENT.get(str(mode), 0)} requests, {len(failures)} failing"
    )
    assert not failures, "\n\n".join(failures)
    assert fuzzed >= 40
