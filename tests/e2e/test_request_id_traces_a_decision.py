"""Every API request has an id: the caller's `X-Request-ID` when it is sane, else a new one. It is
echoed on the response (errors included), written in the request's one access log line, and
stored with the decision and the audit records the request wrote, hashed into the audit chain:
an officer finds the decision by it, and `audit verify` notices an edited one. On SQLite and
PostgreSQL."""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import structlog
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factories import body
from fakes.access import bearer
from fakes.api import api_client
from fengkong.access.permissions import ROUTE_PERMISSIONS, Permission
from fengkong.api.app import create_app
from fengkong.audit.findings import Problem
from fengkong.bootstrap import Context
from fengkong.cli import app as cli
from fengkong.ledger.verify import VerifyReport, verify_books
from fengkong.logs import configure_logging

GENERATED = re.compile(r"req_[0-9A-HJKMNP-TV-Z]{26}")


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


@pytest.fixture
def access_log() -> Iterator[io.StringIO]:
    """The JSON lines the server writes on stderr, captured; logging restored afterwards."""
    import logging

    stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_structlog = structlog.get_config()
    real_stderr = sys.stderr
    sys.stderr = stream  # configure_logging's handler writes to the stderr of the moment
    try:
        configure_logging("json", "INFO")
    finally:
        sys.stderr = real_stderr
    try:
        yield stream
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        structlog.configure(**saved_structlog)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _rows(context: Context, statement: str, **params: object) -> list[Any]:
    with context.db.engine.connect() as conn:
        return list(conn.execute(sa.text(statement), params))


def _verify(context: Context) -> VerifyReport:
    with context.uow() as uow:
        return verify_books(uow.audit.stream(), uow.audit.head(), uow.journal.entries())


def test_a_callers_request_id_is_echoed_stored_and_found(
    client: TestClient, context: Context
) -> None:
    created = client.post(
        "/v1/applications", json=body(), headers={"X-Request-ID": "cmpl-42.a:b_c"}
    )
    assert created.status_code == 201, created.text
    assert created.headers["x-request-id"] == "cmpl-42.a:b_c"
    decision = created.json()
    assert decision["request_id"] == "cmpl-42.a:b_c"

    # Stored with the decision, in its row, and shown when the application is read back.
    (row,) = _rows(context, "select id, request_id from decisions")
    assert tuple(row) == (decision["decision_id"], "cmpl-42.a:b_c")
    read = client.get(f"/v1/applications/{decision['application_id']}")
    assert read.json()["decision"] == decision
    assert read.headers["x-request-id"] != "cmpl-42.a:b_c"  # the read is a request of its own

    # Every audit record the request wrote carries it; those written before it do not.
    records = _rows(context, "select action, request_id from audit_log order by seq")
    assert [tuple(r) for r in records] == [
        ("model.registered", None),
        ("model.promoted", None),
        ("consent.recorded", "cmpl-42.a:b_c"),
        ("decision.made", "cmpl-42.a:b_c"),
    ]
    assert _verify(context).ok

    # An officer finds the decision by the id the caller quotes.
    found = client.get("/v1/applications/by-request/cmpl-42.a:b_c")
    assert found.status_code == 200, found.text
    assert found.json() == read.json()
    missing = client.get("/v1/applications/by-request/never-sent")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/applications/by-request/" + "x" * 65).status_code == 422


def test_a_request_without_an_id_gets_a_new_one(client: TestClient, context: Context) -> None:
    first = client.post("/v1/applications", json=body())
    second = client.post("/v1/applications", json=body(amount="6000.00"))
    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert all(GENERATED.fullmatch(i) for i in ids) and ids[0] != ids[1]
    assert [first.json()["request_id"], second.json()["request_id"]] == ids
    stored = _rows(context, "select request_id from decisions order by decided_at, id")
    assert sorted(r[0] for r in stored) == sorted(ids)


@pytest.mark.parametrize(
    "header",
    [
        "x" * 65,  # too long for its column
        "two words",
        '"><script>alert(1)</script>',
        "line\tbreak",
        "",
        "请求",
    ],
)
def test_an_unusable_request_id_is_replaced(
    client: TestClient, context: Context, header: str
) -> None:
    sent = {"X-Request-ID": header.encode("utf-8")}  # raw bytes, as any client may send
    created = client.post("/v1/applications", json=body(), headers=sent)
    assert created.status_code == 201, created.text
    echoed = created.headers["x-request-id"]
    assert GENERATED.fullmatch(echoed)
    assert _rows(context, "select request_id from decisions")[0][0] == echoed


def test_errors_carry_the_request_id_too(context: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(context)
    # The test's own route, declared as every route must be (deny by default).
    monkeypatch.setitem(ROUTE_PERMISSIONS, ("GET", "/boom"), Permission.METRICS_READ)  # type: ignore[arg-type]

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False, headers=bearer()) as client:
        cases = {
            "not-found": client.get("/v1/applications/app_nope", headers={"X-Request-ID": "r-1"}),
            "invalid": client.post(
                "/v1/applications", json=body(amount="-1"), headers={"X-Request-ID": "r-2"}
            ),
            "malformed": client.post(
                "/v1/applications",
                content=b"{not json",
                headers={"X-Request-ID": "r-3", "content-type": "application/json"},
            ),
            "unhandled": client.get("/boom", headers={"X-Request-ID": "r-4"}),
        }
    statuses = {name: r.status_code for name, r in cases.items()}
    assert statuses == {"not-found": 404, "invalid": 422, "malformed": 400, "unhandled": 500}
    for number, response in enumerate(cases.values(), start=1):
        assert response.headers["x-request-id"] == f"r-{number}"
        assert response.headers["content-type"] == "application/problem+json"
    assert _rows(context, "select count(*) from decisions")[0][0] == 0


def test_one_access_line_per_request_with_its_id_and_route(
    client: TestClient, access_log: io.StringIO
) -> None:
    created = client.post("/v1/applications", json=body(), headers={"X-Request-ID": "trace-1"})
    application_id = created.json()["application_id"]
    client.get(f"/v1/applications/{application_id}", headers={"X-Request-ID": "trace-2"})
    client.get("/v1/applications/app_nope", headers={"X-Request-ID": "trace-3"})
    lines = _lines(access_log)
    requests = [line for line in lines if line["event"] == "request"]
    assert [(r["method"], r["route"], r["status"], r["request_id"]) for r in requests] == [
        ("POST", "/v1/applications", 201, "trace-1"),
        ("GET", "/v1/applications/{application_id}", 200, "trace-2"),
        ("GET", "/v1/applications/{application_id}", 404, "trace-3"),
    ]
    assert all(isinstance(r["duration_ms"], float | int) for r in requests)
    # No other server line repeats a request (uvicorn's access logger is silent); the test
    # client's own lines (httpx) are not the server's.
    server = [line for line in lines if line not in requests and line["logger"] != "httpx"]
    assert not any(line["logger"] == "uvicorn.access" for line in server)
    assert not any(application_id in json.dumps(line) for line in server)


def test_audit_verify_finds_an_edited_request_id(client: TestClient, context: Context) -> None:
    client.post("/v1/applications", json=body(), headers={"X-Request-ID": "genuine"})
    client.post("/v1/applications", json=body(amount="6000.00"))
    assert _verify(context).ok
    (seq,) = _rows(context, "select seq from audit_log where request_id = 'genuine'")[-1]
    for edit in ("'forged'", "null"):
        with context.db.engine.begin() as conn:
            conn.execute(
                sa.text(f"update audit_log set request_id = {edit} where seq = :s"), {"s": seq}
            )
        report = _verify(context)
        assert not report.ok
        assert report.first_broken is not None
        assert (report.first_broken.seq, report.first_broken.problem) == (seq, Problem.EDITED)
    # A record written without one (the model's promotion) given one is found the same way.
    with context.db.engine.begin() as conn:
        conn.execute(
            sa.text("update audit_log set request_id = 'genuine' where seq = :s"), {"s": seq}
        )
        conn.execute(sa.text("update audit_log set request_id = 'added' where seq = 2"))
    report = _verify(context)
    assert [(f.seq, f.problem) for f in report.findings] == [(2, Problem.EDITED)]


def test_a_decision_from_the_cli_has_no_request_id(
    context: Context,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    staff_login: Callable[[str], None],
) -> None:
    staff_login("fks_channel")
    monkeypatch.setenv("FENGKONG_HOME", str(context.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", context.settings.resolved_database_url)
    application = tmp_path / "app.json"
    application.write_text(json.dumps(body()))
    decided = CliRunner().invoke(cli, ["apply", str(application), "--json"])
    assert decided.exit_code == 0, decided.output
    assert json.loads(decided.stdout)["request_id"] is None
    assert _rows(context, "select request_id from decisions") == [(None,)]
    records = _rows(context, "select action, request_id from audit_log where seq > 2")
    assert ("decision.made", None) in [tuple(r) for r in records]
    assert {r[1] for r in records} == {None}
    assert _verify(context).ok
