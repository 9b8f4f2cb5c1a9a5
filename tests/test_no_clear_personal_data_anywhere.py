"""No clear personal data anywhere: a lender's whole day on SQLite and PostgreSQL, then every place
it could have left a person's data is scanned for resident ID numbers, mobile numbers, bank card
numbers and the names of the people it made up (`pii_scan`).

The day, with the demo's people (`demo.application_body` over German credit rows, identities
from `sim.identity`): applications through the API under every outcome, consents, a referral
claimed and approved by an officer, two loans booked, paid out and repaid, a guarantor, a bound
card, collateral, a line with its borrower, a black-list entry and its CSV export, end of day
with the servicing steps (auto-debit, reminders, collections) past a missed instalment, the
customer and application views over the API and the CLI (`--json` and tables), and invalid
requests carrying real-looking ID, phone and card numbers.

The places: every table's every column (read as stored, no type processing) and, on PostgreSQL,
a `pg_dump` of the schema; the SQLite file itself (free pages too); the JSON log file at DEBUG
(SQLAlchemy's statements and parameters included); the Redis keys and values the velocity and
link stores wrote under the test's prefix; every API response body; every CLI output; every
file under the test's home (artifacts, reports, exports). A leak fails the test naming where it
is and the value's mask, never the value.
"""

from __future__ import annotations

import json
import logging
import os
import random
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import sqlalchemy as sa
import structlog
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factories import body
from fakes.access import FakeAuthenticator, bearer
from fengkong.api.app import create_app
from fengkong.bootstrap import Context
from fengkong.cli import app as cli_app
from fengkong.core.clock import FakeClock
from fengkong.db.fraud_stores import identity_links, velocity_store
from fengkong.demo import application_body, german_credit
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.servicing_steps import servicing_steps
from fengkong.logs import configure_logging
from fengkong.onboarding.masking import mask_mobile, mask_name, mask_resident_id
from fengkong.onboarding.validators import luhn_check_digit
from fengkong.sim.identity import SyntheticIdentity, identity
from pii_scan import Leak, redact, report, scan_cells, scan_files, scan_text

REDIS_URL = os.environ.get("FENGKONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
STAFF = {**bearer("fks_all"), "X-Officer": "olivia"}  # whichever way a route learns who acts


@dataclass
class Run:
    """What the day produced, for the scan."""

    people: list[SyntheticIdentity] = field(default_factory=list)
    responses: list[tuple[str, str]] = field(default_factory=list)  # (where, body)
    outputs: list[tuple[str, str]] = field(default_factory=list)  # (command, stdout + stderr)
    refused: list[str] = field(default_factory=list)  # invalid values sent, echoed nowhere
    ids: dict[str, str] = field(default_factory=dict)  # what the views are asked to show

    def __repr__(self) -> str:  # a failing test's traceback shows arguments: no values there
        return f"Run({len(self.people)} people, {len(self.responses)} responses)"

    @property
    def names(self) -> list[str]:
        return sorted({p.name for p in self.people})


class RecordingClient(TestClient):
    """A test client keeping every response body, with the staff's credentials on each call."""

    def __init__(self, run: Run, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.run = run

    def request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        kwargs["headers"] = {**STAFF, **(kwargs.get("headers") or {})}
        response = super().request(method, url, **kwargs)
        self.run.responses.append((f"{method} {url} → {response.status_code}", response.text))
        return response


def _redis_prefix() -> Iterator[str]:
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except redis.RedisError as exc:
        message = f"Redis at {REDIS_URL} is unreachable ({exc})"
        if IN_CI:
            pytest.fail(message + ": CI=true requires it", pytrace=False)
        pytest.skip(message)
    prefix = f"fktest:{uuid.uuid4().hex[:12]}:"
    yield prefix
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    yield from _redis_prefix()


@pytest.fixture
def wired(context: Context, redis_prefix: str) -> Context:
    """The test context with its velocity counters and link graph in Redis under the prefix."""
    assert context.fraud is not None
    fraud = replace(
        context.fraud,
        velocity=velocity_store(
            redis_url=REDIS_URL,
            db=context.db,
            hasher=context.vault.blind_index,
            clock=context.clock,
            redis_prefix=redis_prefix,
            redis_timeout=5,
        ),
        links=identity_links(
            redis_url=REDIS_URL,
            db=context.db,
            clock=context.clock,
            redis_prefix=redis_prefix,
            redis_timeout=5,
        ),
        links_in_books=False,
    )
    ctx = replace(context, fraud=fraud)
    ctx.authenticator = FakeAuthenticator()
    return ctx


@dataclass
class LogFile:
    path: Path
    handlers: list[logging.Handler]

    def reinstall(self) -> None:
        """Back to writing into the file: a command configures logging on its own."""
        logging.getLogger().handlers[:] = self.handlers

    def flush(self) -> None:
        for handler in self.handlers:
            handler.flush()


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[LogFile]:
    """Every record at DEBUG, rendered as JSON lines as the server renders them, into a file;
    pytest's own capture is left out, so that a failure prints no record."""
    path = tmp_path / "logs" / "fengkong.jsonl"
    path.parent.mkdir()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_structlog = structlog.get_config()
    real_stderr = sys.stderr
    with path.open("w", encoding="utf-8") as sink:
        sys.stderr = sink  # configure_logging's handler writes to the stderr of the moment
        try:
            configure_logging("json", "DEBUG")
        finally:
            sys.stderr = real_stderr
        ours = LogFile(path, [h for h in root.handlers if h not in saved_handlers])
        for name in ("sqlalchemy.engine", "httpx", "fengkong"):
            logging.getLogger(name).setLevel(logging.DEBUG)
        try:
            yield ours
        finally:
            ours.flush()
            root.handlers[:] = saved_handlers
            root.setLevel(saved_level)
            for name in ("sqlalchemy.engine", "httpx", "fengkong"):
                logging.getLogger(name).setLevel(logging.NOTSET)
            structlog.configure(**saved_structlog)


def card_number(rng: random.Random) -> str:
    body_ = "622202" + "".join(str(rng.randrange(10)) for _ in range(12))
    return body_ + luhn_check_digit(body_)


def test_a_lenders_day_leaves_no_clear_personal_data_anywhere(
    wired: Context,
    log_file: LogFile,
    redis_prefix: str,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log_file.reinstall()  # pytest's capture handler, added for the call, would show records
    run = Run()
    with RecordingClient(run, create_app(wired)) as client:
        day(client, wired, run, tmp_path)
    views_on_the_command_line(wired, run, database_url, tmp_path, monkeypatch, log_file)
    log_file.flush()

    views_show_masks(run)
    names = run.names
    assert len(names) >= 10 and '"event": "request"' in log_file.path.read_text("utf-8")
    leaks: list[Leak] = []
    leaks += scan_database(wired, names)
    leaks += scan_redis(redis_prefix, names)
    for where, text in run.responses:
        leaks += scan_text(text, f"response {where}", names)
    for where, text in run.outputs:
        leaks += scan_text(text, f"output of `fengkong {where}`", names)
    # the log file, the SQLite file, the artifacts, the reports and the exports
    leaks += scan_files(tmp_path, names, skip=[tmp_path / "inputs"])
    if wired.db.dialect == "postgresql":
        leaks += scan_text(pg_dump(wired), "pg_dump", names)
    leaks += echoes(run, tmp_path)
    assert leaks == [], report(leaks)


def views_show_masks(run: Run) -> None:
    """The officers' views of the first borrower show their masks (so the views scanned are the
    ones that name people)."""
    borrower = run.people[8]
    masks = (mask_name(borrower.name), mask_resident_id(borrower.id_number),
             mask_mobile(borrower.phone))  # fmt: skip
    customer = run.ids["customer"]
    views = [t for w, t in run.responses if w.startswith(f"GET /v1/customers/{customer} ")]
    views += [t for w, t in run.outputs if w in ("customer show", "customer show --json")]
    shown = len(views)  # not in the assertion: pytest would print the list
    assert shown == 5  # the API's, and the CLI's by id and by ID number, as table and JSON
    for text in views:
        masked = all(m in text for m in masks)
        assert masked, redact(text, run.names)


def echoes(run: Run, tmp_path: Path) -> list[Leak]:
    """The invalid values sent (a wrong check digit is no ID number to the scanner) echoed in
    a response, an output or a file."""
    texts = [*run.responses, *run.outputs]
    texts += [(str(p.relative_to(tmp_path)), p.read_bytes().decode("utf-8", "replace"))
              for p in tmp_path.rglob("*") if p.is_file() and "inputs" not in p.parts]  # fmt: skip
    return [
        Leak(where, "invalid value sent", value[:3] + "*" * (len(value) - 3))
        for value in run.refused
        for where, text in texts
        if value in text
    ]


def day(client: RecordingClient, ctx: Context, run: Run, tmp_path: Path) -> None:
    rng = random.Random(20)
    as_of = ctx.clock.business_date()
    # the demo's own applicants: German credit rows, each a new synthetic person
    product = ctx.policy.compiled.product
    for _, row in german_credit().head(8).iterrows():
        doc = application_body(row, as_of, rng, product)
        run.people.append(
            SyntheticIdentity(
                doc["applicant"]["name"], doc["applicant"]["id_number"],
                doc["applicant"]["phone"], as_of,
            )
        )  # fmt: skip
        decided = client.post("/v1/applications", json=doc)
        assert decided.status_code == 201, decided.text

    def person() -> SyntheticIdentity:
        who = identity(rng.randrange(25, 55), as_of, rng)
        run.people.append(who)
        return who

    def applicant(who: SyntheticIdentity) -> dict[str, str]:
        return {"name": who.name, "id_number": who.id_number, "phone": who.phone}

    # consents recorded and looked up
    borrower = person()
    consent = client.post(
        "/v1/consents",
        json={"id_number": borrower.id_number, "purpose": "credit_bureau",
              "scope": "PBOC credit report", "text_version": "cb-1"},
    )  # fmt: skip
    assert consent.status_code == 201, consent.text
    assert client.post("/v1/consents/search", json={"id_number": borrower.id_number}).is_success

    # an approval, booked, paid out and repaid in part
    approved = client.post("/v1/applications", json=body(applicant=applicant(borrower))).json()
    assert approved["outcome"] == "approve", approved
    first_loan = book(client, approved["application_id"], "a")
    repaid = client.post(
        f"/v1/loans/{first_loan}/repayments",
        json={"amount": "100.00", "currency": "CNY"},
        headers={"Idempotency-Key": "rp-a"},
    )
    assert repaid.status_code == 201, repaid.text

    # a referral (no other debts declared), claimed and approved by an officer, then booked
    referred_body = body(applicant=applicant(person()))
    del referred_body["existing_monthly_debt"]
    referred = client.post("/v1/applications", json=referred_body).json()
    assert referred["outcome"] == "refer", referred
    items = client.get("/v1/review/items", params={"status": "open"}).json()
    (item,) = [i for i in items if i["application_id"] == referred["application_id"]]
    client.get(f"/v1/review/items/{item['id']}")
    assert client.post(f"/v1/review/items/{item['id']}/claim").is_success
    decided = client.post(
        f"/v1/review/items/{item['id']}/approve",
        json={"comment": "payslips seen", "limit": "4000.00", "annual_rate": "0.12",
              "term_months": 6},
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    second_loan = book(client, referred["application_id"], "b")

    # servicing: a guarantor, a guarantee, a bound card, collateral, a line and its borrower
    guarantor = person()
    made = client.post("/v1/guarantors", json=applicant(guarantor))
    assert made.status_code == 201, made.text
    gid = made.json()["guarantor_id"]
    assert client.post(
        f"/v1/loans/{second_loan}/guarantees", json={"guarantor_id": gid, "share": "0.5"}
    ).is_success
    client.get(f"/v1/guarantors/{gid}/exposure")
    card = card_number(rng)
    bound = client.put(f"/v1/loans/{first_loan}/card", json={"card_number": card})
    assert bound.status_code == 200, bound.text
    pledged = client.post(
        f"/v1/loans/{second_loan}/collateral", json={"type": "property", "value": "20000.00"}
    )
    assert pledged.status_code == 201, pledged.text
    line = client.post(
        "/v1/lines",
        json={"limit": "5000.00", "annual_rate": "0.12"},
        headers={"Idempotency-Key": "line-1"},
    ).json()
    line_borrower = person()
    tied = client.put(
        f"/v1/lines/{line['line_id']}/borrower",
        json={
            "id_number": line_borrower.id_number,
            "phone": line_borrower.phone,
            "bank_card": card_number(rng),
        },  # fmt: skip
    )
    assert tied.status_code == 200, tied.text

    # a black-list entry by ID number, found and exported
    fraudster = person()
    listed = client.post(
        "/v1/lists/entries",
        json={"list": "black", "key_type": "resident_id", "value": fraudster.id_number,
              "reason": "confirmed fraud", "source": "case-1"},
    )  # fmt: skip
    assert listed.status_code == 201, listed.text
    client.post(
        "/v1/lists/entries/search", json={"key_type": "resident_id", "value": fraudster.id_number}
    )
    client.get("/v1/lists/entries")
    declined = client.post("/v1/applications", json=body(applicant=applicant(fraudster)))
    assert declined.json()["outcome"] == "decline", declined.text

    invalid_requests(client, ctx, run, first_loan, rng)

    # end of day past the first instalment: auto-debit, reminders, collections
    with ctx.uow() as uow:
        due = uow.lending.instalments(second_loan)[0].due
    clock = ctx.clock
    assert isinstance(clock, FakeClock)
    for offset in (-3, 0, 2, 5):
        target = due + timedelta(days=offset)
        clock.set(clock.now() + (target - clock.business_date()))
        run_end_of_day(target, ctx.servicing.lending, steps=servicing_steps(ctx.servicing))
    queue = client.get("/v1/collections").json()
    if queue:
        client.post(
            f"/v1/collections/{queue[0]['loan_id']}/actions",
            json={"kind": "call", "note": "no answer"},
        )
        client.get(f"/v1/collections/{queue[0]['loan_id']}")
    client.get(f"/v1/loans/{first_loan}/reminders")
    client.get(f"/v1/loans/{first_loan}/debits")

    # the officers' views
    for path in ("/v1/applications", "/v1/decisions", "/v1/loans", "/v1/lines", "/v1/customers"):
        assert client.get(path).status_code == 200
    found = client.post("/v1/customers/search", json={"id_number": borrower.id_number}).json()
    (customer,) = found["items"]
    assert client.get(f"/v1/customers/{customer['customer_id']}").status_code == 200
    for application_id in (approved["application_id"], referred["application_id"]):
        assert client.get(f"/v1/applications/{application_id}").status_code == 200
        client.get(f"/v1/loans/offers/{application_id}")
    for loan_id in (first_loan, second_loan):
        assert client.get(f"/v1/loans/{loan_id}").status_code == 200
        client.get(f"/v1/loans/{loan_id}/guarantees")
        client.get(f"/v1/loans/{loan_id}/collateral")
    run.ids.update(
        customer=customer["customer_id"], loan=first_loan, review_item=item["id"],
        decision=approved["decision_id"], guarantor=gid, line=line["line_id"],
    )  # fmt: skip


def book(client: RecordingClient, application_id: str, key: str) -> str:
    """Accept the offer of an approved application and pay the loan out; its id."""
    assert client.get(f"/v1/loans/offers/{application_id}").status_code == 200
    accepted = client.post(
        f"/v1/loans/offers/{application_id}/accept", headers={"Idempotency-Key": f"acc-{key}"}
    )
    assert accepted.status_code == 201, accepted.text
    loan_id: str = accepted.json()["loan_id"]
    paid = client.post(f"/v1/loans/{loan_id}/disburse", headers={"Idempotency-Key": f"pay-{key}"})
    assert paid.status_code == 200, paid.text
    return loan_id


def invalid_requests(
    client: RecordingClient, ctx: Context, run: Run, loan_id: str, rng: random.Random
) -> None:
    """Requests refused for one bad field among real-looking personal data: a 4xx that echoes
    none of it."""
    as_of = ctx.clock.business_date()
    who = identity(33, as_of, rng)
    run.people.append(who)
    wrong_digit = who.id_number[:-1] + ("1" if who.id_number[-1] != "1" else "2")
    short_phone, bad_card = who.phone[:-1], card_number(rng)[:-1] + "0"
    bad_card = bad_card if luhn_check_digit(bad_card[:-1]) != "0" else bad_card[:-1] + "1"
    run.refused += [wrong_digit, short_phone, bad_card]
    good = {"name": who.name, "id_number": who.id_number, "phone": who.phone}
    sent = [
        ("/v1/applications", body(applicant={**good, "id_number": wrong_digit})),
        ("/v1/applications", body(applicant={**good, "phone": short_phone})),
        ("/v1/applications", body(applicant=good, amount="-5")),  # valid identity, bad amount
        ("/v1/applications", {"applicant": good}),  # most fields missing
        ("/v1/consents", {"id_number": wrong_digit, "purpose": "credit_bureau"}),
        ("/v1/consents/search", {"id_number": wrong_digit, "phone": who.phone}),
        ("/v1/customers/search", {"id_number": wrong_digit}),
        ("/v1/customers/search", {"phone": short_phone}),
        ("/v1/guarantors", {**good, "id_number": wrong_digit}),
        ("/v1/lists/entries", {"list": "black", "key_type": "mobile", "value": short_phone,
                               "reason": "x", "source": "y"}),
        ("/v1/lists/entries", {"list": "nope", "key_type": "mobile", "value": who.phone}),
    ]  # fmt: skip
    for path, doc in sent:
        refused = client.post(path, json=doc)
        assert 400 <= refused.status_code < 500, (path, refused.status_code)
    card = client.put(f"/v1/loans/{loan_id}/card", json={"card_number": bad_card})
    assert card.status_code == 422


def views_on_the_command_line(
    ctx: Context,
    run: Run,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    log_file: LogFile,
) -> None:
    """The customer, application, decision, loan and list views of the CLI, as tables and as
    `--json`, on the same database and vault; the list export written to a file."""
    monkeypatch.setenv("FENGKONG_HOME", str(ctx.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    ids = run.ids
    with ctx.db.engine.connect() as conn:
        application_ids = [r[0] for r in conn.exec_driver_sql("select id from applications")]
    borrower = run.people[8]
    runner = CliRunner()
    commands = [
        ["customer", "list"],
        ["customer", "show", ids["customer"]],
        ["customer", "show", "--id-number", borrower.id_number],
        ["application", "list"],
        *(["application", "show", a] for a in application_ids[:3]),
        ["decision", "list"],
        ["decision", "show", ids["decision"]],
        ["loan", "list"],
        ["loan", "show", ids["loan"]],
        ["line", "list"],
        ["line", "show", ids["line"]],
        ["review", "list"],
        ["review", "show", ids["review_item"]],
        ["servicing", "exposure", ids["guarantor"]],
        ["servicing", "collateral", ids["loan"]],
        ["servicing", "debits", ids["loan"]],
        ["servicing", "queue"],
        ["lists", "show"],
        ["lists", "export", "--out", str(tmp_path / "exports" / "lists.csv")],
    ]
    (tmp_path / "exports").mkdir()
    for command in commands:
        for extra in ([], ["--json"]):
            result = runner.invoke(cli_app, [*command, *extra])
            log_file.reinstall()
            where = " ".join(command[:2]) + (" --json" if extra else "")
            assert result.exit_code == 0, (where, redact(result.output, run.names))
            run.outputs.append((where, result.output))
    for where, command, code in refused_on_the_command_line(ctx, run, tmp_path / "inputs"):
        for extra in ([], ["--json"]):
            result = runner.invoke(cli_app, [*command, *extra])
            log_file.reinstall()
            assert result.exit_code == code, (where, redact(result.output, run.names))
            run.outputs.append((where + " " + " ".join(extra), result.output))


def refused_on_the_command_line(
    ctx: Context, run: Run, inputs: Path
) -> list[tuple[str, list[str], int]]:
    """Commands given personal data, refused for one bad field (exit 2), and one decided; their
    input files are the operator's, under `inputs` (not scanned)."""
    rng = random.Random(21)
    who = identity(41, ctx.clock.business_date(), rng)
    run.people.append(who)
    wrong_digit = who.id_number[:-1] + ("1" if who.id_number[-1] != "1" else "2")
    short_phone = who.phone[:-1]
    run.refused += [wrong_digit, short_phone]
    inputs.mkdir()
    good = {"name": who.name, "id_number": who.id_number, "phone": who.phone}
    (inputs / "good.json").write_text(json.dumps(body(applicant=good)), "utf-8")
    bad = body(applicant={**good, "id_number": wrong_digit})
    (inputs / "bad.json").write_text(json.dumps(bad, ensure_ascii=False), "utf-8")
    (inputs / "list.csv").write_text(
        "list,key_type,value,reason,source,expires_at\n"
        f"black,resident_id,{who.id_number},fraud,case-2,\n"
        f"black,resident_id,{wrong_digit},fraud,case-2,\n"
        f"grey,mobile,{short_phone},fraud,case-2,\n",
        "utf-8",
    )
    return [
        ("apply", ["apply", str(inputs / "good.json")], 0),
        ("apply bad", ["apply", str(inputs / "bad.json")], 2),
        ("lists import", ["lists", "import", str(inputs / "list.csv"), "--by", "olivia"], 2),
        ("guarantor-add bad", ["servicing", "guarantor-add", "--name", who.name,
                               "--id-number", wrong_digit, "--phone", who.phone], 2),
        ("customer show bad", ["customer", "show", "--id-number", wrong_digit], 2),
        ("customer list bad", ["customer", "list", "--phone", short_phone], 2),
    ]  # fmt: skip


def scan_database(ctx: Context, names: list[str]) -> list[Leak]:
    """Every row of every table, as stored (read through the driver, no type processing)."""
    leaks: list[Leak] = []
    with ctx.db.engine.connect() as conn:
        inspector = sa.inspect(conn)  # on the same connection: SQLite's lock is taken once
        for table in inspector.get_table_names():
            result = conn.exec_driver_sql(f'select * from "{table}"')
            columns = list(result.keys())
            key = inspector.get_pk_constraint(table).get("constrained_columns") or columns[:1]
            rows = [
                (
                    ",".join(str(row[columns.index(k)]) for k in key),
                    list(zip(columns, row, strict=True)),
                )
                for row in result.all()
            ]
            leaks += scan_cells(rows, table, names)
    return leaks


def scan_redis(prefix: str, names: list[str]) -> list[Leak]:
    """Every key the stores wrote under the prefix and everything it holds."""
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    leaks: list[Leak] = []
    keys = sorted(client.scan_iter(match=prefix + "*", count=1000))
    assert keys, "the velocity and link stores wrote nothing to Redis"
    for key in keys:
        kind = client.type(key)
        value: Any
        if kind == "string":
            value = client.get(key)
        elif kind == "hash":
            value = client.hgetall(key)
        elif kind == "zset":
            value = client.zrange(key, 0, -1, withscores=True)
        elif kind == "set":
            value = sorted(client.smembers(key))
        elif kind == "list":
            value = client.lrange(key, 0, -1)
        else:
            value = kind
        text = key + "\n" + json.dumps(value, ensure_ascii=False, default=str)
        leaks += scan_text(text, f"redis key #{keys.index(key)} ({kind})", names)
    client.close()
    return leaks


def pg_dump(ctx: Context) -> str:
    """A plain SQL dump of the test's schema."""
    with ctx.db.engine.connect() as conn:
        schema = conn.exec_driver_sql("select current_schema()").scalar_one()
    url = ctx.db.engine.url
    dumped = subprocess.run(
        ["pg_dump", "--schema", str(schema), "--no-owner", "-h", url.host or "127.0.0.1",
         "-p", str(url.port or 5432), "-U", url.username or "postgres", url.database or "test"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "CREATE TABLE" in dumped.stdout
    return dumped.stdout
