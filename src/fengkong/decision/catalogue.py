"""The feature catalogue a policy is loaded against: every fact a rule may read, with its kind.

A policy naming a fact the catalogue lacks, or comparing a fact with a value of another kind, is
refused at load. A key ending in `.*` declares a family (`velocity.*`): any name under it is known.

The default catalogue holds the application features (`fengkong.features.application`) and the
facts the decision service supplies:

| fact | kind | meaning |
| --- | --- | --- |
| `score`, `pd` | number | scorecard points and probability of default |
| `age` | number | applicant's age in whole years |
| `amount`, `term_months` | number | requested amount (fen) and term (months) |
| `monthly_income`, `existing_monthly_debt`, `existing_exposure` | number | fen |
| `customer.returning` | flag | has borrowed from us before |
| `customer.months_on_book` | number | months since the first loan with us |
| `id.valid` | flag | the resident ID passed validation and is not expired |
| `consent.*` | flag | consents given, e.g. `consent.credit_bureau`, `consent.data_processing` |
| `lists.*` | flag | list hits, e.g. `lists.black_hit`, `lists.grey_hit` |
| `velocity.*` | number | counts, e.g. `velocity.id.24h.count`, `velocity.device.1h.count` |
| `links.*` | number | identity-graph signals, e.g. `links.component_size` |
| `step_up.*` | flag | result of a step-up check, e.g. `step_up.liveness` (absent until done) |
| `anomaly.score_permille`, `anomaly.outlier` | number, flag | the promoted anomaly model's score and verdict (absent without one) |
| `identity.<check>.result`, `.code`, `.mismatch` | text | an identity check's result (`passed`/`failed`, or `no_consent` when it may not be made: the rule asking it refers), the provider's code, the mismatched factors (`none`); absent until the check is made (`decision.verification`) |
| `identity.liveness.liveness_permille`, `identity.liveness.face_match_permille` | number | the liveness check's scores, 0–1000 |
| `identity.cost_fen` | number | what the application's identity checks have cost so far (fen) |
| `bureau.*`, `statement.*`, `business.*`, `financials.*` | as the family declares | the features of an external document the policy's `sources:` asked for (`decision.source_facts`, generated from the families); absent when it gave nothing |
| `source.<kind>`, `source.<kind>.why` | text | what became of a kind the policy asked for (`ok`, `not_asked`, `unavailable`, `no_consent`, `no_provider`, `invalid`) and why |
| `declared.*` | number, flag, text | what a business application declares: `years_in_operation`, `annual_revenue` (fen), `owners_count`, `owners_share_bp`, `guarantor_present`, `guarantors_count`, `industry`, `region` (`decision.business_facts`); absent for a consumer |
| `concentration.industry_share`, `.region_share` | number | the segment's share of the book's principal outstanding with this loan, from the latest portfolio snapshot (`decision.concentration`) |
| `concentration.industry_over_limit`, `.region_over_limit` | flag | that share is above `monitoring_concentration_limits`; absent (all `concentration.*`) before the first snapshot |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from fengkong.decision.identity_facts import fact_specs
from fengkong.decision.source_facts import fact_specs as source_fact_specs
from fengkong.features.application import APPLICATION_FEATURES


class FeatureKind(StrEnum):
    NUMBER = "number"  # int or Decimal (a float is compared by its shortest decimal text)
    TEXT = "text"
    FLAG = "flag"  # bool


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    name: str
    kind: FeatureKind
    label_en: str = ""
    label_zh: str = ""


FeatureCatalogue = Mapping[str, FeatureSpec]


def resolve(catalogue: FeatureCatalogue, name: str) -> FeatureSpec | None:
    """The spec for `name`: an exact entry, else the longest `family.*` it falls under."""
    spec = catalogue.get(name)
    if spec is not None:
        return spec
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        family = catalogue.get(".".join(parts[:cut]) + ".*")
        if family is not None:
            return FeatureSpec(name, family.kind, family.label_en, family.label_zh)
    return None


def _spec(name: str, kind: FeatureKind, en: str, zh: str) -> tuple[str, FeatureSpec]:
    return name, FeatureSpec(name, kind, en, zh)


N, T, F = FeatureKind.NUMBER, FeatureKind.TEXT, FeatureKind.FLAG

# What a business application declares (`decision.business_facts`), apart from the documents'
# `business.*`, and the book's concentration with this loan (`decision.concentration`).
BUSINESS_APPLICATION_FACTS: tuple[tuple[str, FeatureSpec], ...] = (
    _spec("declared.years_in_operation", N, "Years in operation (declared)", "经营年限（申报）"),
    _spec("declared.annual_revenue", N, "Annual revenue, declared (fen)", "年营业收入（申报，分）"),
    _spec("declared.owners_count", N, "Number of owners", "股东（经营者）人数"),
    _spec("declared.owners_share_bp", N, "Owners' shares declared (bp)", "已申报股权合计（基点）"),
    _spec("declared.guarantor_present", F, "A guarantor is named", "有保证人"),
    _spec("declared.guarantors_count", N, "Number of guarantors", "保证人数"),
    _spec("declared.industry", T, "Industry (GB/T 4754 section)", "所属行业（门类）"),
    _spec("declared.region", T, "Region (province code)", "所在地区（省级代码）"),
    _spec("concentration.industry_share", N, "Industry's share of the book with this loan",
          "含本笔贷款后该行业占贷款余额比例"),
    _spec("concentration.region_share", N, "Region's share of the book with this loan",
          "含本笔贷款后该地区占贷款余额比例"),
    _spec("concentration.industry_over_limit", F, "Industry over its concentration limit",
          "行业集中度超限"),
    _spec("concentration.region_over_limit", F, "Region over its concentration limit",
          "地区集中度超限"),
    _spec("concentration.snapshot_date", T, "Portfolio snapshot the shares are from",
          "集中度所依据的资产组合快照日期"),
)  # fmt: skip

SERVICE_FACTS: Mapping[str, FeatureSpec] = dict(
    (
        _spec("score", N, "Credit score", "信用评分"),
        _spec("pd", N, "Probability of default", "违约概率"),
        _spec("age", N, "Age", "年龄"),
        _spec("amount", N, "Requested amount (fen)", "申请金额（分）"),
        _spec("term_months", N, "Requested term (months)", "申请期限（月）"),
        _spec("monthly_income", N, "Monthly income (fen)", "月收入（分）"),
        _spec("existing_monthly_debt", N, "Existing monthly debt (fen)", "现有月还款额（分）"),
        _spec("existing_exposure", N, "Existing exposure with us (fen)", "本机构现有敞口（分）"),
        _spec("customer.returning", F, "Returning customer", "老客户"),
        _spec("customer.months_on_book", N, "Months on book", "在贷月数"),
        _spec("id.valid", F, "ID valid", "身份证件有效"),
        _spec("consent.*", F, "Consent given", "已授权"),
        _spec("lists.*", F, "List hit", "名单命中"),
        _spec("velocity.*", N, "Application velocity", "申请频次"),
        _spec("links.*", N, "Identity links", "关联关系"),
        _spec("step_up.*", F, "Step-up check passed", "加强验证通过"),
        _spec("anomaly.score_permille", N, "Anomaly score (‰)", "异常分（千分）"),
        _spec("anomaly.outlier", F, "Anomalous application", "异常申请"),
        *(_spec(name, FeatureKind(kind), en, zh) for name, kind, en, zh in fact_specs()),
        *(_spec(name, FeatureKind(kind), en, zh) for name, kind, en, zh in source_fact_specs()),
        *BUSINESS_APPLICATION_FACTS,
    )
)


def _application_features() -> dict[str, FeatureSpec]:
    return {
        f.name: FeatureSpec(f.name, N if f.kind == "numerical" else T, f.label_en, f.label_zh)
        for f in APPLICATION_FEATURES.features
    }


DEFAULT_CATALOGUE: FeatureCatalogue = MappingProxyType({**_application_features(), **SERVICE_FACTS})
