"""A worker of `fengkong serve --workers 2` killed outright (SIGKILL) while clients post
applications to it loses nothing it acknowledged (issue 26):

- every application answered 201 is stored once, whole (application, decision and its audit
  record), and readable through the API;
- a request cut off by the kill is either absent or stored whole, and sending it again under its
  `Idempotency-Key` ends with exactly one decision for it: once the dead worker's lease on the
  key lapses, the repeat decides, or answers with what the dead attempt had decided;
- uvicorn's supervisor starts a worker in the dead one's place, the server answers on, and the
  audit chain verifies.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from factories import body
from fengkong.db.ledger_tables import audit_log
from fengkong.db.tables import applications, decisions
from fengkong.ledger.verify import verify_books
from fengkong.sim.identity import identity
from serving.servers import Deployment, Server, start_server, stop, wait_until_up

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

CLIENTS = 6
ANSWERED_BEFORE_KILL = 12  # decisions answered before the kill: the workers are busy by then
ANSWERED_AFTER_KILL = 12
PATIENCE_SECONDS = 60  # for each phase; never a verdict on speed, only a bound on a hang
LEASE_ENV = "FENGKONG_IDEMPOTENCY_LEASE_SECONDS"


@dataclass
class Attempt:
    """One application sent once under its own key, and what came back."""

    key: str
    doc: dict[str, Any]
    status: int | None = None
    answer: dict[str, Any] | None = None
    error: str | None = None

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def id_number(self) -> str:
        return str(self.doc["applicant"]["id_number"])


class Applicants:
    """Distinct people's applications, each under a new `Idempotency-Key`."""

    def __init__(self, as_of: date) -> None:
        self.rng = random.Random(5)
        self.as_of = as_of
        self.lock = threading.Lock()
        self.seen: set[str] = set()

    def next(self) -> Attempt:
        with self.lock:
            while True:
                p = identity(30 + self.rng.randrange(30), self.as_of, self.rng)
                if p.id_number not in self.seen:
                    self.seen.add(p.id_number)
                    break
        person = {"name": p.name, "id_number": p.id_number, "phone": p.phone}
        return Attempt(f"apply-{uuid.uuid4()}", body(applicant=person))


@pytest.fixture
def server(deployment: Deployment, tmp_path: Path) -> Iterator[Server]:
    # A short lease: the retries of the cut-off requests wait for it to lapse.
    started = start_server(deployment, tmp_path, workers=2, extra={LEASE_ENV: "6"})
    try:
        wait_until_up(started, workers=2)
        yield started
    finally:
        stop(started)


def _headers(secret: str, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {secret}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


def _send(client: httpx.Client, base: str, secret: str, attempt: Attempt) -> None:
    try:
        response = client.post(
            f"{base}/v1/applications", json=attempt.doc, headers=_headers(secret, attempt.key)
        )
    except httpx.TransportError as exc:  # the worker died with the request
        attempt.error = type(exc).__name__
        return
    attempt.status = response.status_code
    if response.headers.get("content-type", "").startswith("application/json"):
        attempt.answer = response.json()


def _load(
    base: str, secret: str, people: Applicants, attempts: list[Attempt], done: threading.Event
) -> None:
    with httpx.Client(timeout=60) as client:
        while not done.is_set():
            attempt = people.next()
            _send(client, base, secret, attempt)
            attempts.append(attempt)  # list.append is atomic under the GIL


def _wait_for(what: str, condition: Any) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.05)


def _stored(deployment: Deployment, attempt: Attempt) -> list[tuple[str, int, int]]:
    """Per application stored for the attempt's applicant: its id, its decisions, and its
    `decision.made` audit records."""
    ctx = deployment.ctx
    bidx = ctx.vault.blind_index("id_number", attempt.id_number)
    with ctx.db.engine.connect() as conn:
        ids = conn.execute(
            sa.select(applications.c.id).where(applications.c.id_number_bidx == bidx)
        ).scalars()
        out = []
        for app_id in ids:
            decided = conn.execute(
                sa.select(sa.func.count())
                .select_from(decisions)
                .where(decisions.c.application_id == app_id)
            ).scalar_one()
            audited = conn.execute(
                sa.select(sa.func.count())
                .select_from(audit_log)
                .where(audit_log.c.action == "decision.made", audit_log.c.subject_id == app_id)
            ).scalar_one()
            out.append((app_id, decided, audited))
    return out


def _retry_until_answered(base: str, secret: str, attempt: Attempt) -> httpx.Response:
    """The client's retry of a request it got no answer to: the same key and body, again while
    the key is reported in progress."""
    deadline = time.monotonic() + PATIENCE_SECONDS
    with httpx.Client(timeout=60) as client:
        while True:
            response = client.post(
                f"{base}/v1/applications", json=attempt.doc, headers=_headers(secret, attempt.key)
            )
            if response.status_code != 409 or time.monotonic() > deadline:
                return response
            assert response.json()["type"].endswith("/idempotency-key-in-progress")
            time.sleep(float(response.headers.get("Retry-After", "1")))


def test_a_worker_killed_mid_request_loses_nothing_it_acknowledged(
    server: Server, deployment: Deployment
) -> None:
    secret = deployment.channel_key
    people = Applicants(deployment.ctx.clock.business_date())
    attempts: list[Attempt] = []
    done = threading.Event()
    clients = [
        threading.Thread(target=_load, args=(server.url, secret, people, attempts, done))
        for _ in range(CLIENTS)
    ]
    for thread in clients:
        thread.start()
    try:
        _wait_for(
            "answers before the kill",
            lambda: sum(a.acknowledged for a in attempts) >= ANSWERED_BEFORE_KILL,
        )
        workers = server.workers()
        assert len(workers) == 2, workers
        victim = workers[0]
        os.kill(victim, signal.SIGKILL)
        answered_at_kill = sum(a.acknowledged for a in attempts)
        _wait_for(
            "answers after the kill",
            lambda: sum(a.acknowledged for a in attempts) >= answered_at_kill + ANSWERED_AFTER_KILL,
        )
    finally:
        done.set()
        for thread in clients:
            thread.join(PATIENCE_SECONDS)

    # The supervisor replaced the dead worker, and the server answers on.
    _wait_for(
        "a worker in the dead one's place",
        lambda: len(server.workers()) == 2 and victim not in server.workers(),
    )
    assert server.process.poll() is None
    for _ in range(4):
        late = people.next()
        with httpx.Client(timeout=60) as client:
            _send(client, server.url, secret, late)
        assert late.status == 201, (late.status, late.error, late.answer)

    acknowledged = [a for a in attempts if a.acknowledged]
    cut_off = [a for a in attempts if not a.acknowledged]
    assert all(a.status in (None, 201) for a in attempts), [
        (a.status, a.answer) for a in attempts if a.status not in (None, 201)
    ]
    auditor = _headers(deployment.auditor_key)
    with httpx.Client(timeout=60) as client:
        for attempt in acknowledged:
            assert attempt.answer is not None
            app_id = attempt.answer["application_id"]
            assert _stored(deployment, attempt) == [(app_id, 1, 1)], attempt.key
            shown = client.get(f"{server.url}/v1/applications/{app_id}", headers=auditor)
            assert shown.status_code == 200, shown.text
            assert shown.json()["decision"]["decision_id"] == attempt.answer["decision_id"]

    # A request cut off is absent or whole; its retry makes (or finds) exactly one decision.
    for attempt in cut_off:
        before = _stored(deployment, attempt)
        assert before == [] or [(d, a) for _, d, a in before] == [(1, 1)], (attempt.key, before)
        retried = _retry_until_answered(server.url, secret, attempt)
        assert retried.status_code == 201, (attempt.key, retried.status_code, retried.text)
        app_id = retried.json()["application_id"]
        assert _stored(deployment, attempt) == [(app_id, 1, 1)], (attempt.key, before)

    ctx = deployment.ctx
    with ctx.uow() as uow:
        report = verify_books(uow.audit.stream(), uow.audit.head(), uow.journal.entries())
    assert report.ok, report
