"""Early warning (预警): the rules (`alert_rules`) evaluated on a date's portfolio snapshot, the
alerts they open, and their acknowledgement.

- Evaluated by end of day right after the snapshot (`alert_step`), and on demand
  (`evaluate_alerts`, audited as `alerts.evaluated`). Beside the rules, the watched models'
  drift and fairness breaches on the date (`model_watch`) open alerts the same way.
- One alert **in force** per rule × segment: a signal for a rule and segment that has one only
  updates its last-seen date, value and count; otherwise a new alert opens and is sent once,
  after its transaction commits, through the reminder channel interface (log or webhook), in
  Chinese and English. The alert keeps whether it was delivered.
- In force: open, or acknowledged while the condition lasts. An evaluation of a date on or after
  an in-force alert's last sighting that does not fire its rule for its segment marks it
  cleared; a cleared acknowledged alert is done with, and the next signal opens a new alert. An
  open alert stays open until someone acknowledges it, cleared or not.
- Acknowledging (`acknowledge_alert`) records who, when and a note, audited as
  `alert.acknowledged`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from fengkong.audit.port import AuditAppender
from fengkong.core.clock import Clock
from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound
from fengkong.core.ids import new_id
from fengkong.core.uow import UnitOfWork
from fengkong.lending.servicing import ReminderChannel, ReminderMessage
from fengkong.monitoring.alert_rules import History, Rule, evaluate
from fengkong.monitoring.figures import DIMENSIONS
from fengkong.monitoring.model_watch import MODEL_RULE_IDS, ModelWatch, model_signals
from fengkong.monitoring.snapshots import PortfolioStore, SnapshotNotFound, parse_day, report_day

NOTE_MAX = 2_000


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert: the rule and segment it is about, when it was first and last seen with the
    figure's value then (and its baseline: the threshold, or the earlier value), and who
    acknowledged it with what note."""

    alert_id: str
    rule_id: str
    metric: str
    kind: str
    severity: str
    dimension: str
    segment: str
    description: str
    status: AlertStatus
    opened_on: date
    opened_at: datetime
    last_seen_on: date
    times_seen: int
    value: Decimal
    baseline: Decimal
    cleared_on: date | None = None
    delivery: str | None = None  # None until sent: `sent`, or `failed: <why>`
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    note: str | None = None

    @property
    def in_force(self) -> bool:
        return self.status is AlertStatus.OPEN or self.cleared_on is None


class AlertStore(Protocol):
    """The alerts as early warning keeps them (never commits)."""

    def add(self, alert: Alert) -> None: ...
    def update(self, alert: Alert) -> None: ...
    def get(self, alert_id: str) -> Alert | None: ...
    def in_force(self) -> list[Alert]:
        """The open alerts, and the acknowledged ones not cleared."""
        ...

    def find(self, status: AlertStatus | None, limit: int) -> list[Alert]:
        """Newest sighting first."""
        ...

    def opened_between(self, first: date, last: date) -> list[Alert]:
        """The alerts opened on business dates `first` to `last`, in the order they opened."""
        ...


class AlertsUnitOfWork(UnitOfWork, Protocol):
    @property
    def portfolio(self) -> PortfolioStore: ...
    @property
    def alerts(self) -> AlertStore: ...
    @property
    def audit(self) -> AuditAppender: ...


@dataclass(frozen=True, slots=True)
class EarlyWarningServices:
    uow: Callable[[], AlertsUnitOfWork]
    clock: Clock
    rules: tuple[Rule, ...]
    channel: ReminderChannel
    lender: str = "Fengkong"
    models: ModelWatch | None = None  # the drift and fairness checks; none without

    @property
    def rule_ids(self) -> frozenset[str]:
        """The rules evaluated: the file's, and the model checks' when models are watched."""
        found = frozenset(r.rule_id for r in self.rules)
        return found | MODEL_RULE_IDS if self.models is not None else found


class Sighting(Protocol):
    """What fired for one segment on one date: a rule's `Signal` or a model's `ModelSignal`."""

    @property
    def key(self) -> tuple[str, str, str]: ...
    @property
    def rule_id(self) -> str: ...
    @property
    def metric(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def dimension(self) -> str: ...
    @property
    def segment(self) -> str: ...
    @property
    def on(self) -> date: ...
    @property
    def value(self) -> Decimal: ...
    @property
    def baseline(self) -> Decimal: ...


class AlertNotFound(NotFound):
    pass


class AlertNotOpen(Conflict):
    pass


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What an evaluation of `on` did: the rules it ran, the alerts it opened, the signals that
    repeated an alert in force, and the alerts it found cleared."""

    on: date
    rules: int
    opened: tuple[Alert, ...]
    repeated: int
    cleared: int

    def totals(self) -> Mapping[str, int]:
        return {"alerts_opened": len(self.opened), "alerts_repeated": self.repeated}


def _history(store: PortfolioStore, on: date, rules: Sequence[Rule]) -> History:
    back = max((r.look_back for r in rules), default=0)
    days = [on - timedelta(days=k) for k in range(back + 1)]
    return {
        day: {(d, s): f for d, s, f in store.snapshot_rows(day, DIMENSIONS)}
        for day in days
        if day == on or store.snapshot_book(day) is not None
    }


def _opened(signal: Sighting, svc: EarlyWarningServices) -> Alert:
    return Alert(
        alert_id=new_id("alr", svc.clock),
        rule_id=signal.rule_id,
        metric=signal.metric,
        kind=signal.kind,
        severity=signal.severity,
        dimension=signal.dimension,
        segment=signal.segment,
        description=signal.description,
        status=AlertStatus.OPEN,
        opened_on=signal.on,
        opened_at=svc.clock.now(),
        last_seen_on=signal.on,
        times_seen=1,
        value=signal.value,
        baseline=signal.baseline,
    )


def _evaluate(
    on: date,
    svc: EarlyWarningServices,
    uow: AlertsUnitOfWork,
    models: Sequence[Sighting],
    models_checked: bool = True,
) -> Evaluation:
    if uow.portfolio.snapshot_book(on) is None:
        raise SnapshotNotFound(
            f"no portfolio snapshot of {on.isoformat()}: the rules read the snapshot end of day "
            "writes"
        )
    signals: list[Sighting] = [
        *evaluate(svc.rules, _history(uow.portfolio, on, svc.rules), on),
        *models,
    ]
    standing = {(a.rule_id, a.dimension, a.segment): a for a in uow.alerts.in_force()}
    opened: list[Alert] = []
    repeated = 0
    for signal in signals:
        alert = standing.pop(signal.key, None)
        if alert is None:
            fresh = _opened(signal, svc)
            uow.alerts.add(fresh)
            opened.append(fresh)
            continue
        repeated += 1
        if signal.on >= alert.last_seen_on:
            alert = replace(
                alert, last_seen_on=signal.on, value=signal.value, baseline=signal.baseline
            )
        uow.alerts.update(replace(alert, times_seen=alert.times_seen + 1, cleared_on=None))
    # a date the models were not checked on leaves their alerts as they stand
    watched = svc.rule_ids if models_checked else svc.rule_ids - MODEL_RULE_IDS
    cleared = 0
    for alert in standing.values():  # in force, not fired on `on`
        if alert.rule_id in watched and on >= alert.last_seen_on and alert.cleared_on is None:
            uow.alerts.update(replace(alert, cleared_on=on))
            cleared += 1
    return Evaluation(on, len(watched), tuple(opened), repeated, cleared)


def message_text(alert: Alert, lender: str) -> str:
    """The alert's message, in Chinese then English; no personal data (figures of a segment)."""
    where = "全部" if alert.dimension == "all" else f"{alert.dimension}={alert.segment}"
    where_en = "whole book" if alert.dimension == "all" else f"{alert.dimension}={alert.segment}"
    level = {"critical": "严重", "warning": "警告"}.get(alert.severity, alert.severity)
    return (
        f"【{lender}】风险预警（{level}）{alert.opened_on.isoformat()}：{where}，规则{alert.rule_id}"
        f"触发，{alert.metric}当前值{alert.value}（对比{alert.baseline}）。预警编号{alert.alert_id}。\n"
        f"{lender} early warning ({alert.severity}) {alert.opened_on.isoformat()}: {where_en}, "
        f"rule {alert.rule_id} fired: {alert.description}; {alert.metric} is {alert.value} "
        f"(against {alert.baseline}). Alert {alert.alert_id}."
    )


def _send(opened: Sequence[Alert], svc: EarlyWarningServices) -> None:
    """Send each newly opened alert (after its transaction committed) and keep how it went."""
    for alert in opened:
        delivery = svc.channel.send(
            ReminderMessage(
                reminder_id=alert.alert_id,
                subject_type="model" if alert.dimension == "model" else "portfolio_segment",
                subject_id=f"{alert.dimension}:{alert.segment}",
                kind=f"early_warning:{alert.rule_id}",
                language="zh-CN+en",
                text=message_text(alert, svc.lender),
            )
        )
        with svc.uow() as uow:
            stored = uow.alerts.get(alert.alert_id)
            if stored is not None:
                how = "sent" if delivery.delivered else f"failed: {delivery.error}"[:200]
                uow.alerts.update(replace(stored, delivery=how))
                uow.commit()


def run_rules(
    on: date, svc: EarlyWarningServices, actor: str | None = None, *, check_models: bool = True
) -> Evaluation:
    """Evaluate the rules on the snapshot of `on`, store what they open, repeat and clear (one
    transaction, audited when `actor` asked), then send the alerts opened. The model checks
    read the decisions before the transaction opens (their reads take none); without
    `check_models` they are skipped and their alerts left as they stand."""
    checked = check_models and svc.models is not None
    models = model_signals(svc.models, on) if checked and svc.models is not None else ()
    with svc.uow() as uow:
        done = _evaluate(on, svc, uow, models, models_checked=checked)
        if actor is not None:
            uow.audit.append(
                at=svc.clock.now(),
                actor=actor,
                action="alerts.evaluated",
                subject_type="portfolio_snapshot",
                subject_id=on.isoformat(),
                payload={
                    "rules": done.rules,
                    "opened": [a.alert_id for a in done.opened],
                    "repeated": done.repeated,
                    "cleared": done.cleared,
                },
            )
        uow.commit()
    _send(done.opened, svc)
    return done


def alert_step(svc: EarlyWarningServices) -> Callable[[date], Mapping[str, int]]:
    """End of day's early-warning job for each date (run after the snapshot step). The models'
    drift and fairness, judged month by month, are checked at each month's end (and whenever
    `fengkong alerts evaluate` asks): reading a window of decisions every night would cost end
    of day more than the portfolio rules do."""
    return lambda on: run_rules(on, svc, check_models=(on + timedelta(days=1)).day == 1).totals()


def evaluate_alerts(
    svc: EarlyWarningServices, actor: str, on: str | date | None = None
) -> Evaluation:
    """On demand: the rules on the snapshot of `on` (default: the last snapshot), audited. A
    date before the first snapshot or after the last end of day is refused as the reports
    refuse it (`SnapshotDateOutOfRange`), before anything is evaluated or cleared."""
    with svc.uow() as uow:
        day = report_day(uow.portfolio, parse_day(on, "date"))
    return run_rules(day, svc, actor)


def acknowledge_alert(alert_id: str, note: str, actor: str, svc: EarlyWarningServices) -> Alert:
    """Acknowledge an open alert with a note (required), audited as `alert.acknowledged`."""
    text = note.strip()
    if not text or len(text) > NOTE_MAX:
        raise Invalid((FieldError(("note",), f"a note of 1 to {NOTE_MAX} characters is required"),))
    with svc.uow() as uow:
        alert = uow.alerts.get(alert_id)
        if alert is None:
            raise AlertNotFound(f"no alert {alert_id}")
        if alert.status is not AlertStatus.OPEN:
            raise AlertNotOpen(
                f"alert {alert_id} was acknowledged by {alert.acknowledged_by} already"
            )
        now = svc.clock.now()
        done = replace(
            alert,
            status=AlertStatus.ACKNOWLEDGED,
            acknowledged_by=actor,
            acknowledged_at=now,
            note=text,
        )
        uow.alerts.update(done)
        uow.audit.append(
            at=now,
            actor=actor,
            action="alert.acknowledged",
            subject_type="alert",
            subject_id=alert_id,
            payload={"rule_id": alert.rule_id, "segment": alert.segment, "note": text},
        )
        uow.commit()
    return done


def list_alerts(
    svc: EarlyWarningServices, status: str | None = None, limit: int = 200
) -> tuple[Alert, ...]:
    """The alerts, newest sighting first; `status` open or acknowledged (default: both)."""
    chosen: AlertStatus | None = None
    if status is not None:
        allowed = tuple(s.value for s in AlertStatus)
        if status not in allowed:
            raise Invalid(
                (
                    FieldError(
                        ("status",),
                        f"{status!r} is not one of: {', '.join(allowed)}",
                        "enum",
                        allowed,
                    ),
                )
            )
        chosen = AlertStatus(status)
    with svc.uow() as uow:
        return tuple(uow.alerts.find(chosen, limit))


def alerts_opened(svc: EarlyWarningServices, first: date, last: date) -> tuple[Alert, ...]:
    """The alerts opened on business dates `first` to `last` (the monthly report's), whatever
    became of them since, in the order they opened."""
    with svc.uow() as uow:
        return tuple(uow.alerts.opened_between(first, last))


def read_alert(alert_id: str, svc: EarlyWarningServices) -> Alert:
    """One alert; `AlertNotFound` for an unknown id."""
    with svc.uow() as uow:
        alert = uow.alerts.get(alert_id)
    if alert is None:
        raise AlertNotFound(f"no alert {alert_id}")
    return alert
