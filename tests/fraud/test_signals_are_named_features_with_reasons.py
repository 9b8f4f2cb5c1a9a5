"""Signals become named features, and crossing a threshold gives a reason in English and Chinese;
an unknown device is a `None` feature with a reason of its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fengkong.core.money import Fen
from fengkong.fraud.keys import KeyType
from fengkong.fraud.links import LinkFeatures
from fengkong.fraud.lists import ListHit, ListKind
from fengkong.fraud.signals import link_signals, list_signals, velocity_signals
from fengkong.fraud.velocity import (
    DEFAULT_WINDOWS,
    KeyVelocity,
    VelocitySnapshot,
    WindowCount,
)

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_velocity_features_and_reasons() -> None:
    counts = (7, 7, 8, 9)
    phone = KeyVelocity(
        KeyType.MOBILE,
        tuple(
            WindowCount(w, c, Fen(c * 100)) for w, c in zip(DEFAULT_WINDOWS, counts, strict=True)
        ),
    )
    snap = VelocitySnapshot(T, DEFAULT_WINDOWS, (phone, KeyVelocity(KeyType.DEVICE, None)), "sql")
    signals = velocity_signals(snap)
    assert signals.features["velocity.mobile.24h.count"] == 7
    assert signals.features["velocity.mobile.24h.amount_fen"] == 700
    assert signals.features["velocity.device.1h.count"] is None
    texts = {r.code: (r.text_en, r.text_zh) for r in signals.reasons}
    assert texts["FRAUD_VELOCITY_MOBILE_24H"] == (
        "7 applications with this phone in 24 h",
        "该手机号 24 小时内申请 7 次",
    )
    assert "FRAUD_VELOCITY_MOBILE_30D" not in texts  # 9 is under 20
    assert "FRAUD_DEVICE_UNKNOWN" in texts


def test_link_and_list_reasons() -> None:
    links = LinkFeatures("A", 12, 7, 1, 2, ((KeyType.DEVICE, 3600), (KeyType.IP, None)))
    signals = link_signals(links) + list_signals(
        (ListHit(ListKind.GREY, KeyType.DEVICE, "lst_1", "ring", "rule", T + timedelta(days=1)),)
    )
    assert signals.features["link.ids_sharing_device"] == 7
    assert signals.features["link.first_seen_age_s.ip"] is None
    assert signals.features["list.grey"] is True and signals.features["list.black"] is False
    by_code = {r.code: r for r in signals.reasons}
    assert by_code["FRAUD_LINK_DEVICE_SHARED"].text_en == "device shared by 7 applicants"
    assert by_code["FRAUD_LINK_DEVICE_SHARED"].text_zh == "设备被 7 位申请人共用"
    assert "FRAUD_LINK_PHONE_SHARED" not in by_code
    assert by_code["FRAUD_LIST_GREY_DEVICE"].text_zh == "设备在灰名单中"
