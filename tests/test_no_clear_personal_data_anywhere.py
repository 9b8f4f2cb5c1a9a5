"""No clear personal data anywhere: a lender's whole day on SQLite and PostgreSQL, then every place
it could have left a person's data is scanned for resident ID numbers, mobile numbers, bank card
numbers and the names of the people it made up (`pii_scan`).

The day, with the demo's people (`demo.application_body` over German credit rows, identities
from `sim.identity`): applications through the API under every outcome, consents, a referral
claimed and approved by an officer, a business application with its owners and a guarantor
(shown masked), two loans booked, paid out and repaid, a guarantor, a bound
card, collateral, a line with its borrower, a black-list entry and its CSV export, end of day
with the servicing steps (auto-debit, reminders, collections) past a missed instalment, the
customer, application, loan, review and list views over the API and the CLI (`--json` and
tables), replay, back-test and audit verification on the command line, and invalid
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
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import redis
import sqlalchemy as sa
import structlog
from typer.testing import CliRunner

from factories import body
from fakes.access import FakeAuthenticator
from fengkong.api.app import create_app
from fengkong.bootstrap import Context
from fengkong.cli import app as cli_app
from fengkong.db.fraud_stores import identity_links, velocity_store
from fengkong.logs import configure_logging
from fengkong.onboarding.masking import mask_mobile, mask_name, mask_resident_id
from fengkong.sim.identity import identity
from pii_day import RecordingClient, Run, day
from pii_scan import Leak, redact, report, scan_cells, scan_files, scan_text

POLICIES = Path(str(resources.files("fengkong.decision").joinpath("policies")))
REDIS_URL = os.environ.get("FENGKONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


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


def test_a_lenders_day_leaves_no_clear_personal_data_anywhere(
    wired: Context,
    log_file: LogFile,
    redis_prefix: str,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    staff_login: Callable[[str], None],
) -> None:
    staff_login("fks_all")  # the command line's views and refusals, as staff
    log_file.reinstall()  # pytest's capture handler, added for the call, would show records
    run = Run()
    with RecordingClient(run, create_app(wired)) as client:
        day(client, wired, run)
    staff_login("fks_all")
    views_on_the_command_line(wired, run, database_url, tmp_path, monkeypatch, log_file)
    log_file.flush()

    views_show_masks(run)
    names = run.names
    assert len(names) >= 10 and '"event":"request"' in log_file.path.read_text("utf-8")
    leaks: list[Leak] = []
    leaks += scan_database(wired, names)
    leaks += scan_redis(redis_prefix, names)
    for where, text in run.responses:
        leaks += scan_text(text, f"response {where}", names)
    for where, text in run.outputs:
        leaks += scan_text(text, f"output of `fengkong {where}`", names)
    # the log file, the SQLite file, the artifacts, the reports and the exports
    leaks += scan_files(tmp_path, names, skip=[tmp_path / "inputs"])
    # The dump as an operator makes it, where the client tools are installed; the tables were
    # read above in any case.
    if wired.db.dialect == "postgresql" and shutil.which("pg_dump"):
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
    first_day = ctx.clock.business_date() - timedelta(days=60)
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
        ["decision", "replay", "--all"],
        ["policy", "backtest", str(POLICIES / "demo-german.yaml"), "--since", str(first_day)],
        ["audit", "verify"],
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
    # Only refused rows: a good row would become a pending request, and the second run (with
    # --json) of the same file would then be refused as already pending.
    (inputs / "list.csv").write_text(
        "list,key_type,value,reason,source,expires_at\n"
        f"black,resident_id,{wrong_digit},fraud,case-2,\n"
        f"grey,mobile,{short_phone},fraud,case-2,\n",
        "utf-8",
    )
    return [
        ("apply", ["apply", str(inputs / "good.json")], 0),
        ("apply bad", ["apply", str(inputs / "bad.json")], 2),
        ("lists import", ["lists", "import", str(inputs / "list.csv")], 2),
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
    keys: list[str] = sorted(client.scan_iter(match=prefix + "*", count=1000))
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
        leaks += scan_text(text, f"redis key #{keys.index(key)} ({kind!s})", names)
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
