"""Fraud signals into the decision: compute them for an application (velocity, lists, identity
links), and the starter policy's fraud stage over their reasons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from fengkong.core.reason import Reason
from fengkong.decision.outcome import Outcome
from fengkong.fraud.links import LinkApplication, SqlIdentityLinks
from fengkong.fraud.lists import SqlFraudLists
from fengkong.fraud.signals import (
    DEFAULT_THRESHOLDS,
    FraudThresholds,
    Signals,
    link_signals,
    list_signals,
    velocity_signals,
)
from fengkong.fraud.velocity import VelocityStore, VelocityUnavailable, velocity_event
from fengkong.onboarding.application import ApplicationRequest

VELOCITY_UNAVAILABLE = Reason(
    "FRAUD_VELOCITY_UNAVAILABLE",
    "application velocity could not be computed (counter store unavailable)",
    "申请频次无法计算（计数服务不可用）",
)


@dataclass(frozen=True, slots=True)
class FraudServices:
    velocity: VelocityStore
    lists: SqlFraudLists
    links: SqlIdentityLinks
    hasher: Callable[[str, str], str]
    thresholds: FraudThresholds = DEFAULT_THRESHOLDS


def fraud_signals(
    fraud: FraudServices,
    application_id: str,
    req: ApplicationRequest,
    now: datetime,
    as_of: date,
) -> Signals:
    """Every fraud signal of one application. Each store commits on its own: the counts must
    include this application even if the decision that follows fails."""
    a = req.applicant
    event = velocity_event(
        application_id,
        now,
        req.amount,
        as_of,
        resident_id=a.id_number,
        mobile=a.phone,
        device=req.channel.device_id,
        ip=req.channel.ip,
        bank_card=a.bank_card,
        employer=a.employer,
    )
    try:
        velocity = velocity_signals(fraud.velocity.record_and_count(event), fraud.thresholds)
    except VelocityUnavailable:
        velocity = Signals({}, (VELOCITY_UNAVAILABLE,))
    hashed = event.hashed(fraud.hasher)
    lists = list_signals(fraud.lists.lookup_hashed(hashed, now))
    links = link_signals(
        fraud.links.link(LinkApplication(application_id, now, hashed)), fraud.thresholds
    )
    return velocity + lists + links


def fraud_verdict(signals: Signals) -> tuple[Outcome | None, tuple[Reason, ...]]:
    """The starter fraud stage: a black-list hit declines; any other fraud finding (velocity,
    shared identities, grey list, counters unavailable) refers to an officer, unless the
    applicant is white-listed; a missing device or IP is recorded but decides nothing."""
    codes = [r for r in signals.reasons if not r.code.endswith("_UNKNOWN")]
    black = tuple(r for r in codes if r.code.startswith("FRAUD_LIST_BLACK_"))
    if black:
        return Outcome.DECLINE, black
    if any(r.code.startswith("FRAUD_LIST_WHITE_") for r in codes):
        return None, ()
    suspicious = tuple(r for r in codes if not r.code.startswith("FRAUD_LIST_WHITE_"))
    return (Outcome.REFER, suspicious) if suspicious else (None, ())
