"""End of day's summary counts a line frozen because a draw's margin call went unmet, as it
counts a line frozen by the black-list check or by days past due: `fengkong eod` said
"lines frozen 0" on the day the collateral step froze one (SQLite and PostgreSQL).

| day | what happens | lines_frozen |
| --- | --- | --- |
| 0 | ¥5,000 drawn on a ¥10,000 line, listed shares worth ¥9,000 pledged (lend ¥4,500): call opened, due in 3 days | 0 |
| 1-3 | the call is open | 0 |
| 4 | past its deadline: unmet, the line is frozen | 1 |
| 5 | nothing more | 0 |
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from fengkong.lending.collateral import CollateralPolicy
from fengkong.lending.collateral_service import add_collateral
from fengkong.lending.credit_lines import draw, get_line, open_line
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.line import LineStatus
from fengkong.lending.servicing import ServicingConfig
from fengkong.lending.servicing_steps import servicing_steps
from lending.test_collections_support import evening, servicing
from lending.test_service_support import migrated, new_clock

POLICY = CollateralPolicy(ltv_threshold=Decimal("0.70"), cure_days=3)


def test_a_line_frozen_for_an_unmet_margin_call_is_counted(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    svc = servicing(db, clock, config=ServicingConfig(collateral=POLICY))
    line = open_line(1_000_000, Decimal("0.12"), "line-1", svc.lending)
    drawn = draw(line.line_id, 500_000, 6, "draw-1", svc.lending)
    add_collateral(drawn.loan.record.loan_id, "listed_shares", 900_000, svc)
    today = clock.business_date()

    frozen_on: dict[str, int] = {}
    for offset in range(6):
        day = today + timedelta(days=offset)
        evening(clock, day)
        report = run_end_of_day(day, svc.lending, steps=servicing_steps(svc))
        frozen_on[day.isoformat()] = report.summary["lines_frozen"]
        assert report.as_dict()["summary"]["lines_frozen"] == frozen_on[day.isoformat()]

    assert get_line(line.line_id, svc.lending).status is LineStatus.FROZEN
    with db.engine.connect() as conn:
        frozen = conn.execute(
            sa.text("select count(*) from credit_lines where status = 'frozen'")
        ).scalar_one()
        froze = conn.execute(
            sa.text(
                "select count(*) from audit_log where subject_id = :s and action = 'line.freeze'"
            ),
            {"s": line.line_id},
        ).scalar_one()
    assert frozen == froze == 1
    assert sum(frozen_on.values()) == 1, frozen_on
    assert frozen_on[(today + timedelta(days=4)).isoformat()] == 1, frozen_on
