"""A model's drift and fairness breaches open early-warning alerts through the alerts store and
channel, like the portfolio rules': evaluated with the date's snapshot (end of day's step, and
on demand), one alert in force per breach, sent once, repeated while it lasts and cleared when
it is gone; the wiring watches every model that decided unless told otherwise."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from fengkong.bootstrap import Context
from fengkong.core.filters import DateRange
from fengkong.db.database import Database
from fengkong.db.model_monitoring import SqlModelMonitoring
from fengkong.db.tables import decisions, model_versions
from fengkong.monitoring.early_warning import (
    EarlyWarningServices,
    alert_step,
    evaluate_alerts,
    list_alerts,
)
from fengkong.monitoring.model_watch import MODEL_RULE_IDS, ModelWatch, model_signals
from fengkong.monitoring.snapshots import MonitoringServices, take_snapshot
from fengkong.scoring.monitored import MonitoredDecision, MonitoringLimits
from lending.test_service_support import migrated, new_clock, seed_approved, unit_of_work
from monitoring.test_end_of_day_opens_alerts_once import Recorded
from scoring.test_model_monitoring import FEMALE, MALE, METRICS, Reads, Vault, _decision

DAY = date(2026, 4, 10)
MONTH_END = date(2026, 4, 30)
MARCH, APRIL = date(2026, 3, 10), date(2026, 4, 8)
# March as the model was trained (men, approved 3 of 4 settled); April drifted: every score in
# the lowest bin, an unseen housing value, 1 of 4 approved (women), officers declining.
ROWS = [
    _decision(1, MARCH, "approve", 650, features={"housing": "own"}, id_number=MALE),
    _decision(2, MARCH, "approve", 550, features={"housing": "own"}, id_number=MALE),
    _decision(3, MARCH, "decline", 450, features={"housing": "rent"}, id_number=MALE),
    _decision(4, MARCH, "refer", 550, "approve", features={"housing": "own"}, id_number=MALE),
    _decision(6, APRIL, "approve", 400, features={"housing": "free"}, id_number=FEMALE),
    _decision(7, APRIL, "decline", 300, features={"housing": "free"}, id_number=FEMALE),
    _decision(8, APRIL, "decline", 300, features={"housing": "free"}, id_number=FEMALE),
    _decision(9, APRIL, "refer", 350, "decline", features={"housing": "free"}, id_number=FEMALE),
]


class WatchReads(Reads):
    def decided_models(self, days: DateRange) -> list[str]:
        assert days.start is not None and days.end is not None
        return ["application-v1"] if self.decisions("application-v1", days) else []


def _watch(rows: Sequence[MonitoredDecision] = ROWS) -> ModelWatch:
    return ModelWatch(
        WatchReads(rows, METRICS), Vault(), limits=MonitoringLimits(min_group=4), min_decisions=4
    )


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    books = migrated(f"sqlite:///{tmp_path / 'm.db'}")
    yield books
    books.dispose()


def _services(db: Database, day: date, channel: Recorded) -> EarlyWarningServices:
    return EarlyWarningServices(
        uow=unit_of_work(db), clock=new_clock(day), rules=(), channel=channel, models=_watch()
    )


def _snapshot(db: Database, day: date) -> None:
    take_snapshot(day, MonitoringServices(uow=unit_of_work(db), clock=new_clock(day)))


def test_the_breaches_are_the_reports_findings() -> None:
    signals = {(s.rule_id, s.segment): s for s in model_signals(_watch(), DAY)}
    assert set(signals) == {
        ("model_score_psi_breach", "application-v1"),
        ("model_feature_csi_breach", "application-v1 housing"),
        ("model_approval_drift", "application-v1"),
        ("model_override_drift", "application-v1"),
        ("model_adverse_impact_below_floor", "application-v1 p-v1 sex female"),
        ("model_adverse_impact_below_floor", "application-v1 p-v1 region province 31"),
    }
    drift = signals["model_approval_drift", "application-v1"]
    # April approved 1 of 4 against March's 3 of 4: −0.5, beyond the ±0.10 limit
    assert (drift.value, drift.baseline, drift.severity) == (
        Decimal("-0.5"),
        Decimal("0.1"),
        "warning",
    )
    air = signals["model_adverse_impact_below_floor", "application-v1 p-v1 sex female"]
    assert air.value == Decimal("0.333333") and air.baseline == Decimal("0.8")
    assert air.severity == "critical" and air.dimension == "model"
    # Nothing decided in the window: nothing is known, nothing fires.
    assert model_signals(_watch(), DAY + timedelta(days=120)) == ()
    assert model_signals(ModelWatch(WatchReads(ROWS, METRICS), Vault(), models=()), DAY) == ()
    unknown = ModelWatch(WatchReads(ROWS, METRICS), Vault(), models=("application-v9",))
    assert model_signals(unknown, DAY) == ()
    # Below the decisions PSI, CSI and drifts need, only the fairness breaches are judged.
    few = ModelWatch(WatchReads(ROWS, METRICS), Vault(), limits=MonitoringLimits(min_group=4))
    assert {s.rule_id for s in model_signals(few, DAY)} == {"model_adverse_impact_below_floor"}


def test_end_of_day_opens_them_once_repeats_and_clears(db: Database) -> None:
    channel = Recorded()
    _snapshot(db, DAY)
    # mid-month, end of day leaves the models alone: they are judged at the month's end
    assert alert_step(_services(db, DAY, channel))(DAY) == {
        "alerts_opened": 0,
        "alerts_repeated": 0,
    }
    _snapshot(db, MONTH_END)
    totals = alert_step(_services(db, MONTH_END, channel))(MONTH_END)
    assert totals == {"alerts_opened": 6, "alerts_repeated": 0}
    alerts = list_alerts(_services(db, MONTH_END, channel))
    assert {a.rule_id for a in alerts} == MODEL_RULE_IDS
    assert all(a.delivery == "sent" and a.dimension == "model" for a in alerts)
    assert len(channel.sent) == 6
    (psi,) = (a for a in alerts if a.rule_id == "model_score_psi_breach")
    assert "application-v1" in psi.description and psi.value > Decimal("0.25")
    text = next(m.text for m in channel.sent if m.reminder_id == psi.alert_id)
    assert "风险预警" in text and "model_score_psi_breach" in text

    # asked again on the same date: the same breaches, repeated, not sent again
    again = evaluate_alerts(_services(db, MONTH_END, channel), "user:risk", MONTH_END)
    assert (len(again.opened), again.repeated, again.cleared) == (0, 6, 0)
    assert len(channel.sent) == 6  # sent when opened, not again

    later = MONTH_END + timedelta(days=120)  # the window holds no decision any more
    _snapshot(db, later)
    quiet = evaluate_alerts(_services(db, later, channel), "user:risk", later)
    assert (len(quiet.opened), quiet.repeated, quiet.cleared) == (0, 0, 6)
    assert all(a.cleared_on == later for a in list_alerts(_services(db, later, channel)))


def test_the_wiring_watches_every_model_that_decided(
    context: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch = context.early_warning.models
    assert watch is not None and watch.models is None and watch.window_days == 90
    assert isinstance(watch.reads, SqlModelMonitoring)
    assert watch.reads.decided_models(DateRange(DAY, DAY)) == []
    assert context.early_warning.rule_ids >= MODEL_RULE_IDS
    monkeypatch.setattr(context.settings, "model_alert_models", [])
    del context.__dict__["early_warning"]  # a cached property: wire it again
    assert context.early_warning.models is not None and context.early_warning.models.models == ()


def test_the_wired_checks_read_the_models_decisions_from_the_database(context: Context) -> None:
    """The model's own decisions, stored without the features its training saw: its score PSI
    and every feature's CSI breach once enough decisions are judged (here: 1), and evaluating
    the date stores and sends them as alerts."""
    clock = context.clock
    for _ in range(2):
        seed_approved(context.db, clock, score=420, vault=context.vault)  # type: ignore[arg-type]
    with context.db.engine.begin() as conn:
        version = conn.execute(sa.select(model_versions.c.version)).scalar_one()
        conn.execute(sa.update(decisions).values(model_version=version))
    today = clock.business_date()
    watch = context.early_warning.models
    assert watch is not None
    assert watch.reads.decided_models(DateRange(today, today)) == [version]  # type: ignore[attr-defined]
    eager = replace(watch, min_decisions=1)
    rules = {s.rule_id for s in model_signals(eager, today)}
    assert {"model_score_psi_breach", "model_feature_csi_breach"} <= rules
    assert not model_signals(watch, today)  # two decisions are not enough by default

    take_snapshot(today, context.monitoring)
    channel = Recorded()
    svc = replace(context.early_warning, models=eager, channel=channel)
    done = evaluate_alerts(svc, "user:risk", today)
    assert {a.rule_id for a in done.opened} == rules
    assert all(a.dimension == "model" and a.delivery == "sent" for a in list_alerts(svc))
    assert len(channel.sent) == len(done.opened)
