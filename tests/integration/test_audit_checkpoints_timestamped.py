"""Checkpoints timestamped by an RFC 3161 authority (tests/fakes/tsa.py, served to httpx with no
port): the token is written beside the signature and `audit verify` checks it against the
authority's root; a checkpoint edited after it was stamped fails both its signature and its
token; an authority that answers garbage, refuses, echoes another nonce, stamps another digest
or is down costs the checkpoint its token, never the checkpoint, and says so; end of day
writes a timestamped checkpoint, and carries on without one when the authority fails."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from fakes.tsa import FakeTsa, Mode
from fengkong.audit.checkpoint import SignedCheckpoint
from fengkong.audit.findings import Problem
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.core.clock import FakeClock
from fengkong.core.settings import load_settings
from fengkong.db.audit_checkpoints import Ed25519KeyFile, FileCheckpointWriter, read_checkpoint
from fengkong.db.audit_timestamps import HttpTimestamper
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.db.uow import SqlUnitOfWork
from fengkong.ledger.verify import VerifyReport, verify_books
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.services import LendingServices
from lending.test_service_support import lending_services, migrated, new_clock, open_books

URL = "https://tsa.example.test/tsr"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def books(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    for db in open_books(request, tmp_path):
        assert isinstance(db, Database)
        yield db


@pytest.fixture(scope="module")
def tsa() -> FakeTsa:
    return FakeTsa()


class Books:
    """A lender's books with checkpoints signed under `folder` and stamped by `tsa`."""

    def __init__(self, db: Database, folder: Path, tsa: FakeTsa) -> None:
        self.db, self.tsa = db, tsa
        self.clock: FakeClock = new_clock()
        self.key = Ed25519KeyFile(folder / "signing-key.pem")
        self.ca_file = folder / "tsa-roots.pem"
        self.ca_file.write_bytes(tsa.root_pem)
        stamper = HttpTimestamper(URL, ca_file=self.ca_file, transport=tsa.transport)
        self.writer = FileCheckpointWriter(
            lambda: SqlUnitOfWork(db), self.clock, self.key, folder / "checkpoints", stamper
        )
        base = lending_services(db, self.clock)
        self.svc = LendingServices(
            uow=base.uow,
            clock=self.clock,
            channel=base.channel,
            config=base.config,
            policy_products=base.policy_products,
            checkpoints=self.writer,
        )

    def checkpoint(self, name: str = "cp.json") -> tuple[SignedCheckpoint, Path]:
        return self.writer.write_to("test", self.writer.folder / name)

    def verify(self, *files: Path, roots: bytes | None = None) -> VerifyReport:
        with SqlUnitOfWork(self.db) as uow:
            return verify_books(
                uow.audit.stream(),
                uow.audit.head(),
                uow.journal.entries(),
                checkpoints=[(str(p), read_checkpoint(p)) for p in files],
                trusted={self.key.key_id: self.key.public_key_pem()},
                timestamp_roots=self.tsa.root_pem if roots is None else roots,
            )

    def close_a_day(self) -> dict[str, int]:
        """End of day for the next date; that date's totals."""
        self.clock.advance(timedelta(days=1))
        day = self.clock.business_date()
        return dict(run_end_of_day(day, self.svc).totals[day.isoformat()])


def problems(report: VerifyReport) -> set[Problem]:
    return {f.problem for f in report.failures}


def test_a_timestamped_checkpoint_verifies_and_an_edit_breaks_its_token(
    books: Database, tmp_path: Path, tsa: FakeTsa
) -> None:
    lender = Books(books, tmp_path, tsa)
    lender.close_a_day()
    signed, path = lender.checkpoint()
    assert signed.timestamp_error is None and signed.timestamp_token is not None
    doc = json.loads(path.read_text())
    assert doc["timestamp"]["digest"] == signed.checkpoint.digest()
    assert read_checkpoint(path).timestamp_token == signed.timestamp_token

    report = lender.verify(path)
    assert report.ok and (report.checkpoints, report.timestamps) == (1, 1)
    notes = [f for f in report.findings if f.problem is Problem.TIMESTAMP_OK]
    assert len(notes) == 1 and tsa.at.isoformat() in notes[0].message

    # the authority's root is what is trusted: another authority's root does not do
    stranger = lender.verify(path, roots=FakeTsa().root_pem)
    assert problems(stranger) == {Problem.BAD_TIMESTAMP} and stranger.timestamps == 0

    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps({**doc, "reason": "nothing to see"}))
    broken = lender.verify(edited)
    assert problems(broken) == {Problem.BAD_SIGNATURE, Problem.BAD_TIMESTAMP}
    assert broken.timestamps == 0


@pytest.mark.parametrize(
    "mode", ["garbage", "reject", "wrong_nonce", "wrong_imprint", "http_error"]
)
def test_an_authority_that_gives_no_good_token_leaves_the_checkpoint_without_one(
    tmp_path: Path, mode: Mode
) -> None:
    db = migrated(f"sqlite:///{tmp_path / 'l.db'}")
    lender = Books(db, tmp_path, FakeTsa(mode))
    lender.close_a_day()
    signed, path = lender.checkpoint()
    assert signed.timestamp_token is None and signed.timestamp_error
    assert URL in signed.timestamp_error
    assert "timestamp" not in json.loads(path.read_text())
    report = lender.verify(path)
    assert report.ok and (report.checkpoints, report.timestamps) == (1, 0)
    db.dispose()


def test_an_unreachable_authority_leaves_the_checkpoint_without_a_token(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    db = migrated(f"sqlite:///{tmp_path / 'l.db'}")
    lender = Books(db, tmp_path, FakeTsa())
    lender.writer.timestamper = HttpTimestamper(URL, transport=httpx.MockTransport(refuse))
    signed, path = lender.checkpoint()
    assert signed.timestamp_token is None
    assert signed.timestamp_error is not None and "ConnectError" in signed.timestamp_error
    assert path.exists()
    db.dispose()


def test_end_of_day_writes_a_timestamped_checkpoint_and_goes_on_without_one(
    books: Database, tmp_path: Path, tsa: FakeTsa
) -> None:
    lender = Books(books, tmp_path, tsa)
    assert "checkpoint_untimestamped" not in lender.close_a_day()
    (first,) = sorted((tmp_path / "checkpoints").glob("checkpoint-*.json"))
    assert read_checkpoint(first).timestamp_token is not None
    assert lender.verify(first).timestamps == 1

    lender.writer.timestamper = HttpTimestamper(URL, transport=FakeTsa("reject").transport)
    assert lender.close_a_day()["checkpoint_untimestamped"] == 1
    day = lender.clock.business_date()
    files = sorted((tmp_path / "checkpoints").glob("checkpoint-*.json"))
    assert len(files) == 2 and read_checkpoint(files[-1]).timestamp_token is None
    with SqlUnitOfWork(books) as uow:
        last = list(uow.audit.stream())[-1]
        assert uow.lending.eod_run(day)["status"] == "done"  # type: ignore[index]
    assert last.action == "eod.checkpoint_untimestamped" and last.subject_id == day.isoformat()
    assert "refused" in str(last.payload["error"])
    assert lender.verify(*files).ok


def test_audit_head_and_verify_with_an_authority_configured(
    context: Context,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    staff_login: Callable[[str], None],
) -> None:
    tsa = FakeTsa()
    roots = tmp_path / "tsa-roots.pem"
    roots.write_bytes(tsa.root_pem)
    staff_login("fks_auditor")
    for name, value in {
        "FENGKONG_HOME": str(context.settings.home),
        "FENGKONG_DATABASE_URL": context.settings.resolved_database_url,
        "FENGKONG_AUDIT_TIMESTAMP_URL": URL,
        "FENGKONG_AUDIT_TIMESTAMP_CA_FILE": str(roots),
    }.items():
        monkeypatch.setenv(name, value)
    stamper: Any = partial(HttpTimestamper, transport=tsa.transport)
    monkeypatch.setattr("fengkong.bootstrap.HttpTimestamper", stamper)
    runner = CliRunner()

    head = runner.invoke(app, ["audit", "head", "--json"])
    assert head.exit_code == 0, head.output
    doc = json.loads(head.stdout)
    assert "timestamp_error" not in doc and doc["timestamp"]["token"]
    ok = runner.invoke(app, ["audit", "verify", "--checkpoint", doc["file"], "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["timestamps"] == 1
    said = runner.invoke(app, ["audit", "verify", "--checkpoint", doc["file"]])
    assert said.exit_code == 0 and "1 timestamped" in said.stdout

    # verified where no authority is trusted: the token cannot be taken on its word
    monkeypatch.delenv("FENGKONG_AUDIT_TIMESTAMP_CA_FILE")
    untrusted = runner.invoke(app, ["audit", "verify", "--checkpoint", doc["file"], "--json"])
    assert untrusted.exit_code == 1
    found = json.loads(untrusted.stdout)["findings"]
    assert [f["problem"] for f in found] == ["bad_timestamp"]
    given = ["audit", "verify", "--checkpoint", doc["file"], "--timestamp-ca", str(roots)]
    assert runner.invoke(app, given).exit_code == 0

    tsa.mode = "wrong_nonce"
    failed = runner.invoke(app, ["audit", "head"])
    assert failed.exit_code == 1
    assert "no timestamp token" in failed.stderr and "nonce" in failed.stderr
    written = sorted((context.settings.home / "checkpoints").glob("checkpoint-*.json"))
    assert len(written) == 2
    assert sum(read_checkpoint(p).timestamp_token is None for p in written) == 1


def test_eod_from_the_command_line_warns_of_a_checkpoint_without_a_token(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    staff_login: Callable[[str], None],
) -> None:
    for name, value in {
        "FENGKONG_HOME": str(tmp_path / "home"),
        "FENGKONG_DATABASE_URL": database_url,
        "FENGKONG_CONFIG": str(tmp_path / "absent.toml"),
        "FENGKONG_AUDIT_TIMESTAMP_URL": URL,
    }.items():
        monkeypatch.setenv(name, value)
    db = Database(database_url)
    upgrade(db)
    db.dispose()
    stamper: Any = partial(HttpTimestamper, transport=FakeTsa("reject").transport)
    monkeypatch.setattr("fengkong.bootstrap.HttpTimestamper", stamper)
    staff_login("fks_admin")

    ran = CliRunner().invoke(app, ["eod"])
    assert ran.exit_code == 0, ran.output  # the day is done all the same
    assert "has no timestamp token" in ran.stderr
    (written,) = (tmp_path / "home" / "checkpoints").glob("checkpoint-*.json")
    assert read_checkpoint(written).timestamp_token is None


def test_the_authority_is_an_http_url() -> None:
    assert load_settings(audit_timestamp_url=URL).audit_timestamp_url == URL
    with pytest.raises(ValidationError, match="http"):
        load_settings(audit_timestamp_url="ftp://tsa.example.test/")
