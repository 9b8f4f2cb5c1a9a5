"""`Idempotency-Key` on state-changing requests, on SQLite and PostgreSQL (docs/idempotency.md):
a repeat gets the first response and changes nothing; the key with another body is a 422; a key
is its credential's own; an error answer is not kept; a repeat of a running request waits for
its answer (409 once the wait runs out); repeats racing from threads apply once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from fakes.access import FakeAuthenticator, bearer
from fengkong.api.app import create_app
from fengkong.api.idempotency import fingerprint, scope_hash
from fengkong.bootstrap import Context, bootstrap
from fengkong.core.clock import FakeClock
from fengkong.core.settings import Settings
from fengkong.db.idempotency import Claimed, IdempotencyClaim, SqlIdempotencyRecords
from fengkong.lending.credit_lines import open_line
from fengkong.lending.disbursement import disburse
from fengkong.lending.origination import accept_offer, get_loan
from lending.test_service_support import ledger_snapshot, seed_approved

REUSED = "https://fengkong.dev/problems/idempotency-key-reused"
IN_PROGRESS = "https://fengkong.dev/problems/idempotency-key-in-progress"


@pytest.fixture
def wired(settings: Settings, clock: FakeClock) -> Iterator[Context]:
    ctx = bootstrap(settings, clock=clock)
    ctx.authenticator = FakeAuthenticator()
    yield ctx
    ctx.close()


@pytest.fixture
def client(wired: Context) -> Iterator[TestClient]:
    with TestClient(create_app(wired)) as c:
        yield c


def _send(
    client: TestClient, path: str, body: dict[str, Any], key: str, secret: str = "fks_all"
) -> Response:
    return client.post(path, json=body, headers={**bearer(secret), "Idempotency-Key": key})


def _loan(ctx: Context) -> str:
    svc = ctx.lending
    application = seed_approved(ctx.db, ctx.clock, vault=ctx.vault)  # type: ignore[arg-type]
    loan_id = accept_offer(application, "acc", svc).record.loan_id
    disburse(loan_id, "pay", svc)
    return loan_id


def _line(ctx: Context) -> str:
    return open_line(1_000_000, Decimal("0.18"), "line", ctx.lending).line_id


def test_a_repeat_gets_the_first_answer_and_another_body_a_422(
    client: TestClient, wired: Context
) -> None:
    line_id = _line(wired)
    path = f"/v1/lines/{line_id}/freeze"
    first = _send(client, path, {"reason": "review"}, "freeze-1")
    assert first.status_code == 200, first.text
    assert "Idempotent-Replayed" not in first.headers
    with wired.uow() as uow:
        audited = len(uow.audit.for_subject("credit_line", line_id))

    again = _send(client, path, {"reason": "review"}, "freeze-1")
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["content-type"] == first.headers["content-type"]
    with wired.uow() as uow:
        assert len(uow.audit.for_subject("credit_line", line_id)) == audited  # nothing ran

    other = _send(client, path, {"reason": "something else"}, "freeze-1")
    assert other.status_code == 422 and other.json()["type"] == REUSED
    assert other.headers["content-type"].startswith("application/problem+json")

    # Another credential's "freeze-1" is another key: it runs (and the line is frozen already).
    theirs = _send(client, path, {"reason": "something else"}, "freeze-1", "fks_officer")
    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.json().get("type") != REUSED


def test_an_error_answer_is_not_kept(client: TestClient, wired: Context) -> None:
    line_id = _line(wired)
    path = f"/v1/lines/{line_id}/draws"
    refused = _send(client, path, {"amount": "10000.01", "terms": 3}, "draw-1")
    assert refused.status_code == 409, refused.text  # over what the line has available
    before = ledger_snapshot(wired.db)
    drawn = _send(client, path, {"amount": "100.00", "terms": 3}, "draw-1")
    assert drawn.status_code == 201, drawn.text  # the corrected request may use the key
    assert ledger_snapshot(wired.db) != before
    bad_key = _send(client, path, {"amount": "100.00", "terms": 3}, "k" * 101)
    assert bad_key.status_code == 422
    assert bad_key.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]


def test_a_repeat_waits_for_the_running_request(
    settings: Settings, clock: FakeClock, wired: Context
) -> None:
    """A request already running (claimed here, as another server would) holds its key: a
    repeat is answered 409 once its wait runs out, and the stored answer once there is one."""
    line_id = _line(wired)
    path = f"/v1/lines/{line_id}/freeze"
    body = b'{"reason":"review"}'
    records = SqlIdempotencyRecords(wired.db)
    claim = IdempotencyClaim(
        scope_hash("fks_all", "POST", path, "slow"), "POST", path, "slow", fingerprint(b"", body)
    )
    claimed = records.claim(claim, clock.now())
    assert isinstance(claimed, Claimed)

    impatient = _app(settings, clock, wait=0.2)
    with TestClient(impatient) as c:
        waited = c.post(path, content=body, headers={**bearer(), "Idempotency-Key": "slow"})
    assert waited.status_code == 409 and waited.json()["type"] == IN_PROGRESS
    assert waited.headers["Retry-After"]

    answers: list[Response] = []
    patient = _app(settings, clock, wait=60)
    with TestClient(patient) as c:
        repeat = threading.Thread(
            target=lambda: answers.append(
                c.post(path, content=body, headers={**bearer(), "Idempotency-Key": "slow"})
            )
        )
        repeat.start()
        records.finish(
            (claim.scope_hash, claimed.at),
            200,
            {"content-type": "application/json"},
            b'{"a":1}',
            clock.now() + settings_retention(settings),
        )
        repeat.join()
    assert answers[0].status_code == 200 and answers[0].json() == {"a": 1}
    assert answers[0].headers["Idempotent-Replayed"] == "true"


def settings_retention(settings: Settings) -> Any:
    from datetime import timedelta

    return timedelta(hours=settings.idempotency_retention_hours)


def _app(settings: Settings, clock: FakeClock, *, wait: float) -> Any:
    ctx = bootstrap(settings.model_copy(update={"idempotency_wait_seconds": wait}), clock=clock)
    ctx.authenticator = FakeAuthenticator()
    return create_app(ctx)


def test_repeats_racing_from_threads_apply_once(client: TestClient, wired: Context) -> None:
    loan_id = _loan(wired)
    path = f"/v1/loans/{loan_id}/repayments"
    keys = [f"pay-{n}" for n in range(8)]
    answers: dict[str, list[Response]] = {key: [] for key in keys}
    start = threading.Barrier(2 * len(keys))

    def pay(key: str, amount: str) -> None:
        start.wait()
        answers[key].append(_send(client, path, {"amount": amount}, key))

    threads = [
        threading.Thread(target=pay, args=(key, f"1.0{n}"))
        for n, key in enumerate(keys)
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for key, (first, second) in answers.items():
        assert first.status_code == second.status_code == 201, (key, first.text, second.text)
        assert first.json() == second.json()
    record = get_loan(loan_id, wired.lending).record
    assert len(record.state.repayments) == len(keys)
    assert record.state.unapplied_credit == sum(100 + n for n in range(len(keys)))
