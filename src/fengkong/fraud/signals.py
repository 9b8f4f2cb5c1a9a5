"""Fraud signals as named features with reasons in English and Chinese, for the policy engine and
the stored decision. Unknown signals (no device id, no IP) are `None` features with a reason of
their own, so a policy can act on "unknown"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from fengkong.core.reason import Reason
from fengkong.fraud.keys import KeyType
from fengkong.fraud.links import LinkFeatures
from fengkong.fraud.lists import ListHit, ListKind
from fengkong.fraud.velocity import VelocitySnapshot

__all__ = [
    "DEFAULT_THRESHOLDS",
    "FraudThresholds",
    "Signals",
    "link_signals",
    "list_signals",
    "velocity_signals",
]

FeatureValue = int | bool | None

_KEY_NAMES: Mapping[KeyType, tuple[str, str]] = MappingProxyType(
    {
        KeyType.RESIDENT_ID: ("ID number", "身份证号"),
        KeyType.MOBILE: ("phone", "手机号"),
        KeyType.DEVICE: ("device", "设备"),
        KeyType.IP: ("IP address", "IP 地址"),
        KeyType.IP_PREFIX: ("IP /24 network", "IP 网段"),
        KeyType.BANK_CARD: ("bank card", "银行卡"),
        KeyType.EMPLOYER: ("employer", "工作单位"),
    }
)
_WINDOW_ZH = {"m": "分钟", "h": "小时", "d": "天"}
_WINDOW_EN = {"m": "min", "h": "h", "d": "days"}


def _window_text(name: str) -> tuple[str, str]:
    number, unit = name[:-1], name[-1]
    return f"{number} {_WINDOW_EN.get(unit, unit)}", f"{number} {_WINDOW_ZH.get(unit, unit)}"


@dataclass(frozen=True, slots=True)
class Signals:
    features: Mapping[str, FeatureValue]
    reasons: tuple[Reason, ...]

    def __add__(self, other: Signals) -> Signals:
        return Signals({**self.features, **other.features}, self.reasons + other.reasons)


@dataclass(frozen=True, slots=True)
class FraudThresholds:
    """From which value a signal earns a reason; the policy decides what the reason leads to."""

    velocity_count: Mapping[str, int] = field(
        default_factory=lambda: {"1h": 3, "24h": 5, "7d": 10, "30d": 20}
    )
    ids_sharing_device: int = 3
    ids_sharing_phone: int = 3
    component_size: int = 10
    bad_neighbours: int = 1
    unknown_reason_for: tuple[KeyType, ...] = (KeyType.DEVICE, KeyType.IP)


DEFAULT_THRESHOLDS = FraudThresholds()


def velocity_signals(
    snap: VelocitySnapshot, thresholds: FraudThresholds = DEFAULT_THRESHOLDS
) -> Signals:
    """`velocity.<key>.<window>.count` and `.amount_fen` per key and window (`None`: unknown)."""
    features: dict[str, FeatureValue] = {}
    reasons: list[Reason] = []
    for kv in snap.keys:
        en, zh = _KEY_NAMES[kv.key_type]
        for w in snap.windows:
            wc = kv.window(w.name)
            base = f"velocity.{kv.key_type.value}.{w.name}"
            features[f"{base}.count"] = None if wc is None else wc.count
            features[f"{base}.amount_fen"] = None if wc is None else int(wc.amount)
            limit = thresholds.velocity_count.get(w.name)
            if wc is not None and limit is not None and wc.count >= limit:
                w_en, w_zh = _window_text(w.name)
                reasons.append(
                    Reason(
                        f"FRAUD_VELOCITY_{kv.key_type.value.upper()}_{w.name.upper()}",
                        f"{wc.count} applications with this {en} in {w_en}",
                        f"该{zh} {w_zh}内申请 {wc.count} 次",
                    )
                )
        if not kv.known and kv.key_type in thresholds.unknown_reason_for:
            reasons.append(
                Reason(
                    f"FRAUD_{kv.key_type.value.upper()}_UNKNOWN",
                    f"no {en} given: its velocity is unknown",
                    f"未提供{zh}，其频次未知",
                )
            )
    return Signals(MappingProxyType(features), tuple(reasons))


_LIST_NAMES = {
    ListKind.BLACK: ("black", "黑名单"),
    ListKind.GREY: ("grey", "灰名单"),
    ListKind.WHITE: ("white", "白名单"),
}


def list_signals(hits: tuple[ListHit, ...]) -> Signals:
    """`list.black`, `list.grey`, `list.white` (any key on it) and one reason per hit."""
    features: dict[str, FeatureValue] = {
        f"list.{kind.value}": any(h.list is kind for h in hits) for kind in ListKind
    }
    reasons = tuple(
        Reason(
            f"FRAUD_LIST_{h.list.value.upper()}_{h.key_type.value.upper()}",
            f"{_KEY_NAMES[h.key_type][0]} is on the {_LIST_NAMES[h.list][0]} list",
            f"{_KEY_NAMES[h.key_type][1]}在{_LIST_NAMES[h.list][1]}中",
        )
        for h in hits
    )
    return Signals(MappingProxyType(features), reasons)


def link_signals(links: LinkFeatures, thresholds: FraudThresholds = DEFAULT_THRESHOLDS) -> Signals:
    features: dict[str, FeatureValue] = {
        "link.component_size": links.component_size,
        "link.ids_sharing_device": links.ids_sharing_device,
        "link.ids_sharing_phone": links.ids_sharing_phone,
        "link.bad_neighbours": links.bad_neighbours,
        **{f"link.first_seen_age_s.{kt.value}": age for kt, age in links.first_seen_age},
    }
    reasons: list[Reason] = []
    device, phone = links.ids_sharing_device, links.ids_sharing_phone
    if device is not None and device >= thresholds.ids_sharing_device:
        reasons.append(
            Reason(
                "FRAUD_LINK_DEVICE_SHARED",
                f"device shared by {device} applicants",
                f"设备被 {device} 位申请人共用",
            )
        )
    if phone is not None and phone >= thresholds.ids_sharing_phone:
        reasons.append(
            Reason(
                "FRAUD_LINK_PHONE_SHARED",
                f"phone shared by {phone} applicants",
                f"手机号被 {phone} 位申请人共用",
            )
        )
    if links.component_size >= thresholds.component_size:
        reasons.append(
            Reason(
                "FRAUD_LINK_LARGE_RING",
                f"linked to {links.component_size - 1} other applications through shared details",
                f"通过共用信息关联 {links.component_size - 1} 笔其他申请",
            )
        )
    if links.bad_neighbours >= thresholds.bad_neighbours:
        reasons.append(
            Reason(
                "FRAUD_LINK_BAD_NEIGHBOURS",
                f"shares details with {links.bad_neighbours} declined or defaulted applications",
                f"与 {links.bad_neighbours} 笔被拒或违约申请共用信息",
            )
        )
    return Signals(MappingProxyType(features), tuple(reasons))
