"""External data as a policy reads it: which feature family each kind of document gives, the
facts they declare (generated from the families' own features, so names never drift), the fact
`source.<kind>` saying what became of a fetch, and the reasons a source that gave nothing, or a
feature a rule fired on, puts before the applicant (zh-CN and en)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from fengkong.core.reason import Reason
from fengkong.features.bureau import BUREAU_FEATURES
from fengkong.features.business import BUSINESS_FEATURES, TAX_FEATURES, UTILITY_FEATURES
from fengkong.features.documents import DocumentFeature, DocumentFeatures, FeatureValue
from fengkong.features.financials import FINANCIAL_FEATURES, FinancialsRequest, instalment_of
from fengkong.features.statements import STATEMENT_FEATURES
from fengkong.sources.kinds import SourceKind

__all__ = [
    "FAMILIES",
    "FEATURE_OF",
    "STATUS_PREFIX",
    "SourceFamily",
    "SourceStatus",
    "fact_specs",
    "fact_value",
    "failure_reason",
    "feature_reason",
    "kind_of_feature",
    "status_fact",
    "why_fact",
]

STATUS_PREFIX = "source."


class SourceStatus(StrEnum):
    """What became of a kind the policy asked for: the value of the fact `source.<kind>`."""

    OK = "ok"  # answered and read: its features are facts
    NOT_ASKED = "not_asked"  # its condition did not hold: not fetched, nothing paid
    UNAVAILABLE = "unavailable"  # timeout, error, open circuit breaker
    NO_CONSENT = "no_consent"  # no consent in force for the kind's purpose: not called
    NO_PROVIDER = "no_provider"  # no provider is configured for the kind
    INVALID = "invalid"  # answered with a document its reader refuses (another person…)


@dataclass(frozen=True, slots=True)
class SourceFamily:
    """A kind of document and the feature family computed from it. `prepare` turns the typed
    document (and the request's params) into what the family computes from."""

    kind: SourceKind
    family: DocumentFeatures[Any]
    name_en: str
    name_zh: str
    prepare: Callable[[Any, Mapping[str, Any]], Any] = lambda document, params: document

    def compute(self, document: Any, params: Mapping[str, Any], as_of: date) -> dict[str, Any]:
        return self.family.compute_online(self.prepare(document, params), as_of)


FAMILIES: Mapping[str, SourceFamily] = MappingProxyType(
    {
        f.kind.value: f
        for f in (
            SourceFamily(SourceKind.CREDIT_BUREAU, BUREAU_FEATURES, "credit report", "征信报告"),
            SourceFamily(
                SourceKind.BANK_STATEMENT, STATEMENT_FEATURES, "bank statements", "银行流水"
            ),
            SourceFamily(
                SourceKind.BUSINESS_REGISTRY, BUSINESS_FEATURES, "business registry", "工商登记信息"
            ),
            SourceFamily(SourceKind.TAX_PAYMENTS, TAX_FEATURES, "tax records", "纳税记录"),
            SourceFamily(
                SourceKind.UTILITY_PAYMENTS,
                UTILITY_FEATURES,
                "utility payments",
                "水电燃气缴费记录",
            ),
            SourceFamily(
                SourceKind.FINANCIAL_STATEMENTS,
                FINANCIAL_FEATURES,
                "financial statements",
                "财务报表",
                lambda document, params: FinancialsRequest(document, instalment_of(params)),
            ),
        )
    }
)

# Every feature a source gives, by its fact name.
FEATURE_OF: Mapping[str, DocumentFeature] = MappingProxyType(
    {f.name: f for family in FAMILIES.values() for f in family.family.features}
)
_KIND_OF_FEATURE: Mapping[str, str] = MappingProxyType(
    {f.name: kind for kind, family in FAMILIES.items() for f in family.family.features}
)


def status_fact(kind: str) -> str:
    return f"{STATUS_PREFIX}{kind}"


def why_fact(kind: str) -> str:
    return f"{STATUS_PREFIX}{kind}.why"


def kind_of_feature(name: str) -> str | None:
    """The kind of document a fact is computed from, if it is a source's feature."""
    return _KIND_OF_FEATURE.get(name)


def fact_specs() -> tuple[tuple[str, str, str, str], ...]:
    """(name, catalogue kind, label en, label zh) of every source fact, for the catalogue."""
    kinds = {"numerical": "number", "flag": "flag", "categorical": "text"}
    features = tuple((f.name, kinds[f.kind], f.label_en, f.label_zh) for f in FEATURE_OF.values())
    # `source.<kind>`: a `SourceStatus`; `source.<kind>.why`: what the provider or reader said
    status = ("source.*", "text", "What an external data fetch gave", "外部数据获取结果")
    return (*features, status)


def fact_value(value: FeatureValue) -> object:
    """A feature's value as a policy compares it: a float by its shortest decimal text."""
    return Decimal(repr(value)) if isinstance(value, float) else value


_WHY = {
    SourceStatus.UNAVAILABLE: ("is unavailable", "暂时无法获取"),
    SourceStatus.NO_CONSENT: ("may not be fetched: consent was not given", "未获授权，无法查询"),
    SourceStatus.NO_PROVIDER: ("has no provider configured", "未配置数据源"),
    SourceStatus.INVALID: ("could not be used: the document was refused", "内容无法使用"),
}


def failure_reason(kind: str, status: SourceStatus, why: str | None = None) -> Reason:
    """The referral reason of a required source that gave nothing, naming the source and why:
    `SRC_CREDIT_BUREAU_UNAVAILABLE` "征信报告暂时无法获取（超时），转人工审核"."""
    family = FAMILIES[kind]
    en, zh = _WHY.get(status, ("gave nothing", "未获取"))
    detail = f" ({why})" if why else ""
    zh_detail = f"（{_zh_why(why)}）" if why else ""
    return Reason(
        f"SRC_{kind.upper()}_{status.value.upper()}",
        f"The {family.name_en} {en}{detail}; the application is referred to an officer",
        f"{family.name_zh}{zh}{zh_detail}，转人工审核",
    )


def _zh_why(why: str) -> str:
    lowered = why.lower()
    if "timed out" in lowered or "timeout" in lowered:
        return "超时"
    if "another person" in lowered:
        return "非本人报告"
    if "breaker" in lowered:
        return "服务熔断"
    return why


def feature_reason(name: str) -> Reason | None:
    """The reason text a source's feature gives when a rule reading it declines or refers."""
    feature = FEATURE_OF.get(name)
    if feature is None:
        return None
    code = "FEAT_" + name.upper().replace(".", "_")
    return Reason(code, feature.reason_en, feature.reason_zh)
