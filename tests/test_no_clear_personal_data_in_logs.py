"""Personal data never reaches a log or a table in clear.

A full run — a trained champion (the `context` fixture), applications submitted through the API,
consents recorded and looked up, a bad request — with every log captured at DEBUG (the JSON
renderer the server uses, and the standard-library records, SQLAlchemy's statements and parameters
included) holds none of the applicants' names, ID numbers or phones, in clear or JSON-escaped.
Then a dump of every table of the database (SQLite and PostgreSQL) holds none either.
"""

from __future__ import annotations

import io
import json
import logging
import random
import sys
from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa
import structlog

from factories import body
from fakes.api import api_client
from fengkong.bootstrap import Context
from fengkong.logs import configure_logging
from fengkong.sim.identity import identity

NAMES = ("欧阳明远", "司马静怡", "诸葛晓峰")


def applicants() -> list[tuple[str, str, str]]:
    rng = random.Random(11)
    people = []
    for name in NAMES:
        who = identity(35, date(2026, 3, 1), rng)
        people.append((name, who.id_number, who.phone))
    return people


def forms(value: str) -> tuple[str, ...]:
    """The value as it could appear in a log line: as typed, and escaped by a JSON renderer."""
    return (value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1])


def leaks(text: str, people: list[tuple[str, str, str]]) -> list[str]:
    return [
        f"{kind} of applicant {i}"
        for i, person in enumerate(people)
        for kind, value in zip(("name", "id number", "phone"), person, strict=True)
        if any(form in text for form in forms(value))
    ]


@pytest.fixture
def captured_logs(caplog: pytest.LogCaptureFixture) -> Iterator[io.StringIO]:
    """Everything logged, rendered as the server renders it, at DEBUG; restored afterwards."""
    stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_structlog = structlog.get_config()
    real_stderr = sys.stderr
    sys.stderr = stream  # configure_logging's handler writes to the stderr of the moment
    try:
        configure_logging("json", "DEBUG")
    finally:
        sys.stderr = real_stderr
    root.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    for name in ("sqlalchemy.engine", "alembic", "httpx"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name in ("sqlalchemy.engine", "httpx"):
            logging.getLogger(name).setLevel(logging.NOTSET)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        structlog.configure(**saved_structlog)


def test_a_full_run_logs_and_stores_no_clear_personal_data(
    context: Context, captured_logs: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    people = applicants()
    with api_client(context) as client:
        for name, id_number, phone in people:
            consent = client.post(
                "/v1/consents",
                json={
                    "id_number": id_number,
                    "purpose": "credit_bureau",
                    "scope": "PBOC credit report",
                    "text_version": "cb-1",
                },
            )
            assert consent.status_code == 201, consent.text
            created = client.post(
                "/v1/applications",
                json=body(applicant={"name": name, "id_number": id_number, "phone": phone}),
            )
            assert created.status_code == 201, created.text
            read = client.get(f"/v1/applications/{created.json()['application_id']}")
            assert read.status_code == 200
            found = client.post("/v1/consents/search", json={"id_number": id_number})
            assert found.status_code == 200
        name, id_number, phone = people[0]
        wrong = id_number[:-1] + ("1" if id_number[-1] != "1" else "2")  # a bad check digit
        bad = client.post(
            "/v1/applications",
            json=body(applicant={"name": name, "id_number": wrong, "phone": phone}),
        )
        assert bad.status_code == 422

    rendered = captured_logs.getvalue()
    records = "\n".join(
        f"{r.name} {r.getMessage()} {r.args!r} {getattr(r, 'msg', '')!r}" for r in caplog.records
    )
    assert '"event": "request"' in rendered  # the capture works: requests were logged
    assert "sqlalchemy.engine" in records  # statements and their parameters were logged too
    assert leaks(rendered, people) == []
    assert leaks(records, people) == []

    dump = dump_database(context)
    assert "applications" in dump and "consents" in dump
    everything = "\n".join(dump.values())
    assert leaks(everything, people) == []
    # A wrong ID number from the bad request must not be stored either.
    assert wrong not in everything and wrong not in rendered and wrong not in records


def dump_database(context: Context) -> dict[str, str]:
    """Every table's rows as text, read through a plain connection (no type processing)."""
    engine = context.db.engine
    tables = sa.inspect(engine).get_table_names()
    out = {}
    with engine.connect() as conn:
        for table in tables:
            rows = conn.exec_driver_sql(f'select * from "{table}"').all()
            out[table] = "\n".join(
                json.dumps([str(v) for v in row], ensure_ascii=False)
                + json.dumps([str(v) for v in row])
                for row in rows
            )
    return out
