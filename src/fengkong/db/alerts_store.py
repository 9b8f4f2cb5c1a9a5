"""Early warning's alerts in the database (`monitoring.early_warning.AlertStore`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fengkong.db.alerts_tables import alerts
from fengkong.monitoring.early_warning import Alert, AlertStatus


class SqlAlertStore:
    """Implements `AlertStore` in the unit of work's session (never commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, alert: Alert) -> None:
        self.session.execute(alerts.insert().values(**_row(alert)))

    def update(self, alert: Alert) -> None:
        row = _row(alert)
        del row["id"]
        self.session.execute(alerts.update().where(alerts.c.id == alert.alert_id).values(**row))

    def get(self, alert_id: str) -> Alert | None:
        row = self.session.execute(sa.select(alerts).where(alerts.c.id == alert_id)).first()
        return None if row is None else _alert(row)

    def in_force(self) -> list[Alert]:
        query = sa.select(alerts).where(
            sa.or_(alerts.c.status == AlertStatus.OPEN.value, alerts.c.cleared_on.is_(None))
        )
        return [_alert(r) for r in self.session.execute(query.order_by(alerts.c.id))]

    def find(self, status: AlertStatus | None, limit: int) -> list[Alert]:
        query = sa.select(alerts)
        if status is not None:
            query = query.where(alerts.c.status == status.value)
        query = query.order_by(alerts.c.last_seen_on.desc(), alerts.c.id.desc()).limit(limit)
        return [_alert(r) for r in self.session.execute(query)]

    def opened_between(self, first: date, last: date) -> list[Alert]:
        query = sa.select(alerts).where(alerts.c.opened_on.between(first, last))
        order = (alerts.c.opened_on, alerts.c.opened_at, alerts.c.id)
        return [_alert(r) for r in self.session.execute(query.order_by(*order))]


def _row(a: Alert) -> dict[str, Any]:
    return {
        "id": a.alert_id,
        "rule_id": a.rule_id,
        "metric": a.metric,
        "kind": a.kind,
        "severity": a.severity,
        "dimension": a.dimension,
        "segment": a.segment,
        "description": a.description[:400],
        "status": a.status.value,
        "opened_on": a.opened_on,
        "opened_at": a.opened_at,
        "last_seen_on": a.last_seen_on,
        "times_seen": a.times_seen,
        "value": str(a.value),
        "baseline": str(a.baseline),
        "cleared_on": a.cleared_on,
        "delivery": a.delivery,
        "acknowledged_by": a.acknowledged_by,
        "acknowledged_at": a.acknowledged_at,
        "note": a.note,
    }


def _alert(r: Any) -> Alert:
    return Alert(
        alert_id=r.id,
        rule_id=r.rule_id,
        metric=r.metric,
        kind=r.kind,
        severity=r.severity,
        dimension=r.dimension,
        segment=r.segment,
        description=r.description,
        status=AlertStatus(r.status),
        opened_on=r.opened_on,
        opened_at=r.opened_at,
        last_seen_on=r.last_seen_on,
        times_seen=r.times_seen,
        value=Decimal(r.value),
        baseline=Decimal(r.baseline),
        cleared_on=r.cleared_on,
        delivery=r.delivery,
        acknowledged_by=r.acknowledged_by,
        acknowledged_at=r.acknowledged_at,
        note=r.note,
    )
