"""End of day's steps are declared once (`EOD_STEPS`) and everything else reads them: the runner
runs them in that order (date steps once, the partition steps partition by partition) and tells
the progress meter each step it starts; `fengkong eod-steps --json` lists them; docs/eod.md
carries their generated table, so the document cannot drift from the code.

To rewrite the table after changing the steps: `FENGKONG_WRITE_DOCS=1 pytest <this file>`."""

from __future__ import annotations

import json
import os
import re
from datetime import date, timedelta
from pathlib import Path

from typer.testing import CliRunner

from fengkong.cli import app
from fengkong.lending import service as lending
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.eod_steps import EOD_STEPS, Scope, blocks, step_named, steps_markdown
from lending.test_service_support import (
    START,
    lending_services,
    migrated,
    new_clock,
    seed_approved,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "eod.md"
SECTION = re.compile(
    r"(<!-- generated: eod-steps -->\n)(.*?)(<!-- end generated: eod-steps -->)", re.DOTALL
)


def test_the_document_carries_the_generated_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    found = SECTION.search(text)
    assert found is not None, "docs/eod.md lost its generated-section marks"
    if os.environ.get("FENGKONG_WRITE_DOCS") == "1":
        DOC.write_text(
            SECTION.sub(lambda m: m.group(1) + steps_markdown() + m.group(3), text),
            encoding="utf-8",
        )
        return
    assert found.group(2) == steps_markdown(), (
        "docs/eod.md is out of date: FENGKONG_WRITE_DOCS=1 pytest " + __file__
    )


def test_steps_have_unique_names_and_open_and_close_the_date() -> None:
    names = [s.name for s in EOD_STEPS]
    assert len(set(names)) == len(names)
    assert (EOD_STEPS[0].name, EOD_STEPS[-1].name) == ("open", "close")
    assert all(s.zh and s.en and s.does and s.checkpoint for s in EOD_STEPS)
    assert [s.scope for s in EOD_STEPS if s.name in ("quiet", "loans")] == [Scope.PARTITION] * 2
    assert [scope for scope, _ in blocks()] == [Scope.DATE, Scope.PARTITION, Scope.DATE]
    assert step_named("quiet") is EOD_STEPS[1]


def test_the_command_lists_the_steps_in_order() -> None:
    listed = CliRunner().invoke(app, ["eod-steps", "--json"])
    assert listed.exit_code == 0, listed.output
    doc = json.loads(listed.stdout)
    assert [s["name"] for s in doc["steps"]] == [s.name for s in EOD_STEPS]
    assert doc["steps"][1] | {"number": 2} == doc["steps"][1]
    table = CliRunner().invoke(app, ["eod-steps"])
    assert table.exit_code == 0 and all(s.zh in table.stdout for s in EOD_STEPS)


class RecordingMeter:
    """An `EodMeter` that writes down what it is told."""

    def __init__(self) -> None:
        self.told: list[tuple[str, object]] = []

    def begin_date(self, business_date: date, loans: int, dates_left: int) -> None:
        self.told.append(("date", business_date))

    def begin_step(self, name: str, label: str) -> None:
        assert label == f"{step_named(name).zh} {step_named(name).en}"
        self.told.append(("step", name))

    def advance(self, loans: int) -> None:
        self.told.append(("loans", loans))


def test_the_runner_runs_the_declared_steps_in_order(database_url: str) -> None:
    db = migrated(database_url)
    try:
        svc = lending_services(db, new_clock())
        for k in range(3):
            application = seed_approved(db, new_clock(), amount=300_000, terms=3)
            loan_id = lending.accept_offer(application, f"a{k}", svc).record.loan_id
            lending.disburse(loan_id, f"d{k}", svc)
        day = START + timedelta(days=2)  # the first date catches up; the second is quiet
        meter = RecordingMeter()
        report = run_end_of_day(
            day, lending_services(db, new_clock(day)), partitions=2, meter=meter
        )
    finally:
        db.dispose()
    steps = [what for kind, what in meter.told if kind == "step"]
    per_date = ["open", "quiet", "loans", "quiet", "loans", "servicing", "close"]
    assert steps == per_date * len(report.ran)
    assert report.summary["loans"] == 3 * len(report.ran)
