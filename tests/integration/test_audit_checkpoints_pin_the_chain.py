"""Signed checkpoints and the journal tied to the audit chain, on SQLite and PostgreSQL.

Whoever can write the database can cut the chain's newest records, or rewrite everything after
some record and re-hash it, and move the stored head to match: the chain alone then verifies. A
checkpoint signed earlier and kept elsewhere pins the chain as it stood, so verifying against it
fails. Every journal entry a loan's life posts is accounted for by its audit record, and an
entry or record removed from either side is reported."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from fakes.books import unchained
from fengkong.audit.chain import AuditRecord, chained
from fengkong.audit.checkpoint import SignedCheckpoint
from fengkong.audit.findings import Problem
from fengkong.core.clock import FakeClock
from fengkong.db.audit_checkpoints import (
    Ed25519KeyFile,
    FileCheckpointWriter,
    read_checkpoint,
    read_public_key,
)
from fengkong.db.database import Database
from fengkong.db.ledger_tables import audit_log
from fengkong.db.uow import SqlUnitOfWork
from fengkong.ledger.verify import VerifyReport, verify_books
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer
from fengkong.lending.repayment import post_repayment, reverse_repayment
from fengkong.lending.services import LendingServices
from lending.test_service_support import lending_services, new_clock, open_books, seed_approved


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def books(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    for db in open_books(request, tmp_path):
        assert isinstance(db, Database)
        yield db


class Lender:
    """A loan's life on `books`, with checkpoints signed by a key under `folder`."""

    def __init__(self, books: Database, folder: Path, clock: FakeClock | None = None) -> None:
        self.db = books
        self.clock = clock or new_clock()
        self.key = Ed25519KeyFile(folder / "signing-key.pem")
        self.writer = FileCheckpointWriter(
            lambda: SqlUnitOfWork(books), self.clock, self.key, folder / "checkpoints"
        )
        base = lending_services(books, self.clock)
        self.svc = LendingServices(
            uow=base.uow,
            clock=self.clock,
            channel=base.channel,
            config=base.config,
            policy_products=base.policy_products,
            checkpoints=self.writer,
        )

    def live_a_loan(self) -> str:
        application = seed_approved(self.db, self.clock, amount=600_000, terms=6)
        loan_id = accept_offer(application, "accept-1", self.svc).record.loan_id
        disburse(loan_id, "payout-1", self.svc)
        for _ in range(3):
            self.clock.advance(timedelta(days=1))
            run_end_of_day(self.clock.business_date(), self.svc)
        self.repayment = post_repayment(loan_id, 50_000, "rp-1", self.svc).repayment_id
        return loan_id

    def live_more(self, loan_id: str) -> None:
        post_repayment(loan_id, 10_000, "rp-more", self.svc)

    def checkpoint(self, name: str = "cp.json") -> tuple[SignedCheckpoint, Path]:
        return self.writer.write_to("test", self.writer.folder / name)

    def verify(self, *checkpoints: Path, ties: bool = True, **keys: Any) -> VerifyReport:
        given = [(str(p), read_checkpoint(p)) for p in checkpoints]
        trusted = keys.get("trusted", {self.key.key_id: self.key.public_key_pem()})
        with SqlUnitOfWork(self.db) as uow:
            return verify_books(
                uow.audit.stream(),
                uow.audit.head(),
                uow.journal.entries(),
                ties=uow.journal.ties() if ties else None,
                checkpoints=given,
                trusted=trusted,
            )

    def sql(self, statement: str, **params: object) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(sa.text(statement), params)

    def records(self) -> list[AuditRecord]:
        with SqlUnitOfWork(self.db) as uow:
            return list(uow.audit.stream())

    def rechain_from(self, seq: int, records: list[AuditRecord]) -> None:
        """Replace every record from `seq` on by `records` re-chained onto the one before, and
        move the head: what a careful forger does, leaving no broken link."""
        with SqlUnitOfWork(self.db) as uow:
            prev = next(r for r in uow.audit.stream() if r.seq == seq - 1)
        rows = []
        for record in records:
            prev = chained(prev, unchained(record))
            rows.append(prev)
        self.sql("delete from audit_log where seq >= :s", s=seq)
        with self.db.engine.begin() as conn:
            conn.execute(
                audit_log.insert(),
                [
                    {
                        "seq": r.seq,
                        "at": r.at,
                        "actor": r.actor,
                        "action": r.action,
                        "subject_type": r.subject_type,
                        "subject_id": r.subject_id,
                        "payload": dict(r.payload),
                        "prev_hash": r.prev_hash,
                        "hash": r.hash,
                        "request_id": r.request_id,
                    }
                    for r in rows
                ],
            )
        self.move_head(rows[-1].seq, rows[-1].hash)

    def move_head(self, seq: int, digest: str) -> None:
        self.sql("update audit_head set seq = :s, hash = :h where id = 1", s=seq, h=digest)


def problems(report: VerifyReport) -> set[Problem]:
    return {f.problem for f in report.failures}


def test_every_entry_of_a_loan_life_is_accounted_for(books: Database, tmp_path: Path) -> None:
    lender = Lender(books, tmp_path)
    loan_id = lender.live_a_loan()
    # the journal lists entries by posting time: a reversal posted at the same fake instant as
    # its repayment could be listed first
    lender.clock.advance(timedelta(minutes=1))
    reverse_repayment(loan_id, lender.repayment, "rv-1", "bounced", lender.svc)
    with books.engine.connect() as conn:
        untied = conn.execute(
            sa.text("select count(*) from journal_entries where audit_seq is null")
        ).scalar_one()
        tied = conn.execute(sa.text("select count(*) from journal_entries")).scalar_one()
    assert untied == 0 and tied > 5
    report = lender.verify()
    assert report.ok, report.findings
    assert report.findings == ()  # nothing posted before the tie-in here


def test_end_of_day_signs_a_checkpoint_of_the_date_it_closes(
    books: Database, tmp_path: Path
) -> None:
    lender = Lender(books, tmp_path)
    lender.live_a_loan()
    files = sorted((tmp_path / "checkpoints").glob("checkpoint-*.json"))
    assert len(files) == 3  # one per end of day
    last = read_checkpoint(files[-1]).checkpoint
    assert last.reason == f"eod {(lender.clock.business_date()).isoformat()}"
    closing = next(r for r in lender.records() if r.seq == last.seq)
    assert closing.action == "eod.completed" and closing.hash == last.hash
    assert last.records == last.seq and last.key_id == lender.key.key_id
    assert lender.verify(*files).ok


def test_a_cut_tail_passes_the_chain_alone_but_not_the_checkpoint(
    books: Database, tmp_path: Path
) -> None:
    lender = Lender(books, tmp_path)
    lender.live_a_loan()
    signed, path = lender.checkpoint()
    n = signed.checkpoint.seq
    lender.sql("delete from audit_log where seq > :s", s=n - 3)
    keep = next(r for r in lender.records() if r.seq == n - 3)
    lender.move_head(keep.seq, keep.hash)
    assert lender.verify(ties=False).ok  # the chain alone cannot tell
    report = lender.verify(path, ties=False)
    assert not report.ok and Problem.TRUNCATED in problems(report)
    assert any(f.seq == n for f in report.failures)


def test_records_deleted_in_the_middle_and_re_chained_fail_the_checkpoint(
    books: Database, tmp_path: Path
) -> None:
    lender = Lender(books, tmp_path)
    lender.live_a_loan()
    _, path = lender.checkpoint()
    records = lender.records()
    middle = records[len(records) // 2].seq
    lender.rechain_from(middle, [r for r in records if r.seq > middle + 1])  # two removed
    assert lender.verify(ties=False).ok
    report = lender.verify(path, ties=False)
    assert not report.ok
    assert problems(report) >= {Problem.TRUNCATED}


def test_a_payload_rewritten_and_re_hashed_fails_the_checkpoint(
    books: Database, tmp_path: Path
) -> None:
    lender = Lender(books, tmp_path)
    loan_id = lender.live_a_loan()
    _, path = lender.checkpoint()
    records = lender.records()
    target = next(r for r in records if r.action == "loan.disbursed")
    forged = AuditRecord(
        **{
            **{f: getattr(target, f) for f in AuditRecord.__slots__},
            "payload": {**target.payload, "paid_out_fen": 1},
        }
    )
    lender.rechain_from(target.seq, [forged, *(r for r in records if r.seq > target.seq)])
    assert lender.verify(ties=False).ok
    report = lender.verify(path, ties=False)
    assert Problem.EDITED in problems(report)
    # after the checkpoint, an in-place edit is the chain's own finding
    lender.live_more(loan_id)
    lender.sql(
        "update audit_log set actor = 'someone' where seq = (select max(seq) from audit_log)"
    )
    assert Problem.EDITED in problems(lender.verify(ties=False))


def test_a_tampered_checkpoint_is_refused(books: Database, tmp_path: Path) -> None:
    lender = Lender(books, tmp_path)
    lender.live_a_loan()
    _, path = lender.checkpoint()
    doc = json.loads(path.read_text())
    doc["seq"] -= 1  # point at an earlier record, keeping the signature
    doc["records"] -= 1
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc))
    report = lender.verify(forged)
    assert problems(report) == {Problem.BAD_SIGNATURE} and report.checkpoints == 0


def test_a_checkpoint_of_another_key_needs_its_public_key(books: Database, tmp_path: Path) -> None:
    lender = Lender(books, tmp_path)
    lender.live_a_loan()
    other = Lender(books, tmp_path / "elsewhere", lender.clock)
    _, path = other.checkpoint()
    refused = lender.verify(path)
    assert problems(refused) == {Problem.UNTRUSTED_KEY}
    public = tmp_path / "other.pem"
    public.write_text(other.key.public_key_pem())
    key_id, pem = read_public_key(public)
    accepted = lender.verify(path, trusted={key_id: pem})
    assert accepted.ok and accepted.checkpoints == 1


def test_an_entry_whose_audit_record_was_deleted_is_reported(
    books: Database, tmp_path: Path
) -> None:
    lender = Lender(books, tmp_path)
    lender.live_a_loan()
    with books.engine.connect() as conn:
        seq, entry_id = conn.execute(
            sa.text("select audit_seq, entry_id from journal_entries where kind = 'disbursement'")
        ).one()
    lender.sql("delete from audit_log where seq = :s", s=seq)
    report = lender.verify()
    assert any(f.problem is Problem.NOT_NAMED and f.entry_id == entry_id for f in report.failures)
    assert Problem.MISSING in problems(report)  # and the chain has a gap


def test_a_deleted_or_forged_journal_entry_is_reported(books: Database, tmp_path: Path) -> None:
    lender = Lender(books, tmp_path)
    lender.live_a_loan()
    with books.engine.connect() as conn:
        entry_id = conn.execute(
            sa.text("select entry_id from journal_entries where kind = 'repayment'")
        ).scalar_one()
    lender.sql("delete from journal_postings where entry_id = :e", e=entry_id)
    lender.sql("delete from journal_entries where entry_id = :e", e=entry_id)
    report = lender.verify()
    assert any(
        f.problem is Problem.TIED_ENTRY_MISSING and f.entry_id == entry_id for f in report.failures
    )
    # an entry written straight into the table, after the tie-in, has no record
    lender.sql(
        "insert into journal_entries (entry_id, business_date, kind, idempotency_key,"
        " request_hash, memo, posted_at) values ('je-forged', :d, 'repayment', 'forged',"
        " 'x', '', :at)",
        d=lender.clock.business_date(),
        at=lender.clock.now() + timedelta(minutes=1),
    )
    assert Problem.UNTIED in problems(lender.verify())


def test_entries_posted_before_the_tie_in_are_only_noted(books: Database, tmp_path: Path) -> None:
    lender = Lender(books, tmp_path)
    lender.live_a_loan()
    lender.sql("update journal_entries set audit_seq = null")
    # as if every record's tie were older: drop the ties from the chain by re-chaining it
    records = lender.records()
    bare = [
        AuditRecord(
            **{
                **{f: getattr(r, f) for f in AuditRecord.__slots__},
                "payload": {k: v for k, v in r.payload.items() if k != "journal"},
            }
        )
        for r in records
    ]
    lender.rechain_from(records[0].seq + 1, bare[1:])
    report = lender.verify()
    assert report.ok
    notes = [f for f in report.findings if f.informational]
    assert [f.problem for f in notes] == [Problem.BEFORE_TIE_IN]
