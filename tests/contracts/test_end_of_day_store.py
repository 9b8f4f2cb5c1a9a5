"""`lending.ports.EodStore`: the loans a date still has to run, by partition and in id order after
a cursor; loans saved in bulk against their revisions; a date's run and each partition's
progress; the worst days past due on a line.

    loan     stage    booked on   last run    due on 03-10
    loan_01  active   03-02       -           yes
    loan_02  active   03-02       03-09       yes
    loan_03  active   03-02       03-10       no, done
    loan_04  active   03-11       -           no, not booked yet
    loan_05  settled  03-02       -           no
    loan_06… active   03-02       -           yes
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from contracts.conftest import Backend
from contracts.lending_rows import loan
from contracts.rows import at
from fengkong.lending.config import LendingConfig
from fengkong.lending.errors import StaleLoan
from fengkong.lending.quiet import QUIET_COLUMNS, quiet_bucket, quiet_class
from fengkong.lending.records import LoanStage

ON = date(2026, 3, 10)
DUE = ["loan_01", "loan_02", *(f"loan_{n:02}" for n in range(6, 16))]


def _book(backend: Backend) -> None:
    with backend.uow() as uow:
        for n in range(15, 0, -1):  # stored out of order: the reads sort
            loan_id = f"loan_{n:02}"
            record = {
                "loan_02": loan(loan_id, eod_date=date(2026, 3, 9)),
                "loan_03": loan(loan_id, eod_date=ON),
                "loan_04": loan(loan_id, booked_on=date(2026, 3, 11)),
                "loan_05": loan(loan_id, stage=LoanStage.SETTLED),
            }.get(loan_id, loan(loan_id))
            uow.lending.add_loan(record, at(0))
        uow.commit()


def test_loans_due_in_id_order_after_the_cursor(backend: Backend) -> None:
    _book(backend)
    with backend.uow() as uow:
        store = uow.lending
        assert store.count_loans_for_eod(ON) == len(DUE)
        assert [r.loan_id for r in store.loans_for_eod(ON, 0, 1, "", 100)] == DUE
        assert [r.loan_id for r in store.loans_for_eod(ON, 0, 1, "", 3)] == DUE[:3]
        assert [r.loan_id for r in store.loans_for_eod(ON, 0, 1, "loan_06", 3)] == DUE[3:6]
        assert store.loans_for_eod(ON, 0, 1, "loan_15", 100) == []
        assert store.loans_for_eod(ON, 0, 1, "", 1)[0] == loan("loan_01")


def test_partitions_split_the_loans_due_stably(backend: Backend) -> None:
    _book(backend)
    with backend.uow() as uow:
        parts = [
            [r.loan_id for r in uow.lending.loans_for_eod(ON, p, 3, "", 100)] for p in range(3)
        ]
        again = [
            [r.loan_id for r in uow.lending.loans_for_eod(ON, p, 3, "", 100)] for p in range(3)
        ]
    assert parts == again
    assert all(part == sorted(part) for part in parts)
    assert sorted(loan_id for part in parts for loan_id in part) == DUE
    assert sum(len(part) for part in parts) == len(DUE)


def test_a_run_loan_is_not_due_again(backend: Backend) -> None:
    _book(backend)
    with backend.uow() as uow:
        chunk = uow.lending.loans_for_eod(ON, 0, 1, "", 2)
        uow.lending.save_loans([replace(r, eod_date=ON, days_past_due=1) for r in chunk], at(1))
        uow.lending.save_loans([], at(1))
        uow.commit()
    with backend.uow() as uow:
        assert uow.lending.count_loans_for_eod(ON) == len(DUE) - 2
        assert uow.lending.loans_for_eod(ON, 0, 1, "", 1)[0].loan_id == DUE[2]
        assert uow.lending.get_loan("loan_01") == loan(
            "loan_01", eod_date=ON, days_past_due=1, revision=1
        )


def test_a_bulk_save_with_a_stale_loan_saves_none(backend: Backend) -> None:
    _book(backend)
    with backend.uow() as uow:
        fresh, stale = uow.lending.get_loan("loan_01"), uow.lending.get_loan("loan_02")
        uow.lending.save_loan(stale, at(1))
        uow.commit()
    with backend.uow() as uow, pytest.raises(StaleLoan):
        uow.lending.save_loans([replace(fresh, eod_date=ON), replace(stale, eod_date=ON)], at(2))
    with backend.uow() as uow:
        assert uow.lending.get_loan("loan_01") == fresh


def test_the_worst_days_past_due_of_a_lines_running_draws(backend: Backend) -> None:
    with backend.uow() as uow:
        for loan_id, dpd, stage in (
            ("draw_1", 4, LoanStage.ACTIVE),
            ("draw_2", 12, LoanStage.ACTIVE),
            ("draw_3", 90, LoanStage.SETTLED),
        ):
            uow.lending.add_loan(
                loan(loan_id, line_id="line_1", days_past_due=dpd, stage=stage), at(0)
            )
        uow.lending.add_loan(loan("loan_1", days_past_due=60), at(0))
        uow.commit()
    with backend.uow() as uow:
        assert uow.lending.worst_dpd_on_line("line_1") == 12
        assert uow.lending.worst_dpd_on_line("line_9") == 0


def test_a_run_is_started_once_and_finished_with_its_summary(backend: Backend) -> None:
    with backend.uow() as uow:
        assert uow.lending.eod_run(ON) is None and uow.lending.last_completed_eod() is None
        uow.lending.start_eod(date(2026, 3, 9), at(0))
        uow.lending.finish_eod(date(2026, 3, 9), at(1), {"loans": 3})
        uow.lending.start_eod(ON, at(2))
        uow.lending.finish_eod(date(2026, 3, 1), at(2), {"loans": 1})  # never started: nothing
        uow.commit()
    with backend.uow() as uow:
        running = uow.lending.eod_run(ON)
        assert (running["status"], running["started_at"]) == ("running", at(2))
        uow.lending.start_eod(ON, at(3))  # already started: kept as it was
        assert uow.lending.eod_run(ON)["started_at"] == at(2)
        assert uow.lending.last_completed_eod() == date(2026, 3, 9)
        uow.lending.finish_eod(ON, at(4), {"loans": 12, "entries": 30})
        uow.commit()
    with backend.uow() as uow:
        done = uow.lending.eod_run(ON)
        assert (done["status"], done["finished_at"]) == ("done", at(4))
        assert dict(done["summary"]) == {"loans": 12, "entries": 30}
        assert uow.lending.last_completed_eod() == ON
        assert uow.lending.eod_run(date(2026, 3, 1)) is None


def test_counts_add_up_in_a_running_runs_summary_and_the_finish_replaces_them(
    backend: Backend,
) -> None:
    with backend.uow() as uow:
        uow.lending.add_eod_counts(ON, {"cases_opened": 1})  # not started: nothing
        uow.lending.start_eod(ON, at(0))
        uow.lending.add_eod_counts(ON, {"cases_opened": 2, "debits_failed": 0})
        uow.commit()
    with backend.uow() as uow:
        uow.lending.add_eod_counts(ON, {"cases_opened": 3, "lines_frozen": 1})
        uow.lending.add_eod_counts(ON, {})
        uow.commit()
    with backend.uow() as uow:
        uow.lending.add_eod_counts(ON, {"cases_opened": 40})  # rolled back
    with backend.uow() as uow:
        running = uow.lending.eod_run(ON)
        assert running["status"] == "running"
        assert dict(running["summary"]) == {
            "cases_opened": 5,
            "debits_failed": 0,
            "lines_frozen": 1,
        }
        uow.lending.finish_eod(ON, at(1), {"loans": 7, "cases_opened": 5})
        uow.lending.add_eod_counts(ON, {"cases_opened": 1})  # done: the summary is final
        uow.commit()
    with backend.uow() as uow:
        assert dict(uow.lending.eod_run(ON)["summary"]) == {"loans": 7, "cases_opened": 5}
        assert uow.lending.eod_run(date(2026, 3, 9)) is None


def _progress(partition: int, **changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "business_date": ON,
        "partition": partition,
        "partitions": 2,
        "cursor": "",
        "done": False,
        "loans": 0,
        "chunks": 0,
        "totals": {"loans": 0, "entries": 0},
    }
    return {**fields, **changes}


def test_progress_is_kept_per_partition(backend: Backend) -> None:
    with backend.uow() as uow:
        assert uow.lending.eod_progress(ON, 0) is None and uow.lending.all_eod_progress(ON) == []
        uow.lending.save_eod_progress(_progress(0))
        uow.lending.save_eod_progress(_progress(1, cursor="loan_04", loans=4, chunks=1))
        uow.commit()
    with backend.uow() as uow:
        read = dict(uow.lending.eod_progress(ON, 0))
        read["totals"]["loans"] += 5  # what a caller does to what it read stays its own
        assert uow.lending.eod_progress(ON, 0) == _progress(0)
        moved = _progress(0, cursor="loan_09", done=True, loans=5, chunks=2, totals={"loans": 5})
        uow.lending.save_eod_progress(moved)
        uow.commit()
    with backend.uow() as uow:
        assert uow.lending.eod_progress(ON, 0) == moved
        everything = sorted(uow.lending.all_eod_progress(ON), key=lambda p: p["partition"])
        assert everything == [moved, _progress(1, cursor="loan_04", loans=4, chunks=1)]
        assert uow.lending.all_eod_progress(date(2026, 3, 9)) == []
        assert uow.lending.eod_progress(ON, 2) is None


def test_quiet_loans_come_as_columns_on_the_databases_only(backend: Backend) -> None:
    """The quiet batch (`lending.quiet`) is set-based arithmetic over Polars columns, moved with
    COPY on PostgreSQL: the in-memory store finds no quiet loan, so every loan takes the full
    step, which `tests/lending/test_quiet_batch_equals_full_step_over_days.py` proves books the
    same. The quiet path's own tests run on the databases."""
    with backend.uow() as uow:
        uow.lending.add_loan(loan("loan_1"), at(0))  # accrued through its booking day, 03-02
        uow.lending.add_loan(loan("loan_2", days_past_due=1, bucket="M1"), at(0))
        uow.commit()
    config = LendingConfig()
    with backend.uow() as uow:
        frame = uow.lending.quiet_loans_for_eod(
            date(2026, 3, 3), 0, 1, "", 100, quiet_class(config), quiet_bucket(config)
        )
    assert tuple(frame.columns) == QUIET_COLUMNS
    assert frame["loan_id"].to_list() == ([] if backend.name == "memory" else ["loan_1"])
