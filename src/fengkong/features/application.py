"""Features of a consumer-loan application, named as in the public German credit data the starter
scorecard learns from, so a model trained on that table scores live applications unchanged."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import polars as pl

from fengkong.features.definition import Feature, FeatureSet

# Profile attributes the applicant declares or a bureau supplies, with their labels.
PROFILE_FIELDS: dict[str, tuple[str, str]] = {
    "status_of_existing_checking_account": ("Checking account status", "活期账户状况"),
    "credit_history": ("Credit history", "信用记录"),
    "savings_account_and_bonds": ("Savings and bonds", "储蓄与债券"),
    "present_employment_since": ("Time in present employment", "现职年限"),
    "installment_rate_in_percentage_of_disposable_income": (
        "Instalment as a share of disposable income",
        "月供占可支配收入比例",
    ),
    "personal_status_and_sex": ("Personal status", "个人状况"),
    "other_debtors_or_guarantors": ("Other debtors or guarantors", "其他债务人或担保人"),
    "present_residence_since": ("Time at present residence", "现居住年限"),
    "property": ("Property", "财产"),
    "other_installment_plans": ("Other instalment plans", "其他分期计划"),
    "housing": ("Housing", "住房"),
    "number_of_existing_credits_at_this_bank": ("Existing credits with us", "本机构现有贷款数"),
    "job": ("Job", "职业"),
    "number_of_people_being_liable_to_provide_maintenance_for": ("Dependants", "供养人数"),
    "telephone": ("Telephone", "电话登记"),
    "foreign_worker": ("Foreign worker", "外籍劳工"),
}
NUMERIC_PROFILE_FIELDS = frozenset(
    {
        "installment_rate_in_percentage_of_disposable_income",
        "present_residence_since",
        "number_of_existing_credits_at_this_bank",
        "number_of_people_being_liable_to_provide_maintenance_for",
    }
)

INPUT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "amount_fen": pl.Int64,
    "term_months": pl.Int64,
    "purpose": pl.String,
    "monthly_income_fen": pl.Int64,
    "birth_date": pl.Date,
    "as_of": pl.Date,
    **{
        name: (pl.Float64 if name in NUMERIC_PROFILE_FIELDS else pl.String)
        for name in PROFILE_FIELDS
    },
}


def _age_in_years() -> pl.Expr:
    birth, as_of = pl.col("birth_date"), pl.col("as_of")
    not_yet = (as_of.dt.month() < birth.dt.month()) | (
        (as_of.dt.month() == birth.dt.month()) & (as_of.dt.day() < birth.dt.day())
    )
    return (as_of.dt.year() - birth.dt.year() - not_yet.cast(pl.Int32)).cast(pl.Float64)


def _age_online(record: Mapping[str, Any]) -> float | None:
    birth: date | None = record.get("birth_date")
    as_of: date | None = record.get("as_of")
    if birth is None or as_of is None:
        return None
    not_yet = (as_of.month, as_of.day) < (birth.month, birth.day)
    return float(as_of.year - birth.year - not_yet)


def _number(name: str, scale: int = 1) -> Callable[[Mapping[str, Any]], float | None]:
    """The column as a Float64, as Polars casts an integer or float cell, divided by `scale` as
    Polars divides one row by a literal (correctly rounded; over several rows it multiplies by
    the reciprocal instead, and 47 / 100 comes out 0.47000000000000003)."""

    def value(record: Mapping[str, Any]) -> float | None:
        v = record.get(name)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise TypeError(f"{name} is a number, not {type(v).__name__}")
        return float(v / scale)

    return value


def _text(name: str) -> Callable[[Mapping[str, Any]], str | None]:
    """The column as a String, as Polars casts a cell to it."""

    def value(record: Mapping[str, Any]) -> str | None:
        v = record.get(name)
        return v if v is None or isinstance(v, str) else str(v)

    return value


def _profile(name: str) -> Feature:
    en, zh = PROFILE_FIELDS[name]
    if name in NUMERIC_PROFILE_FIELDS:
        return Feature(name, "numerical", pl.col(name), en, zh, _number(name))
    return Feature(name, "categorical", pl.col(name), en, zh, _text(name))


APPLICATION_FEATURES = FeatureSet(
    name="application",
    version="1",
    input_schema=INPUT_SCHEMA,
    features=(
        # Requested amount in yuan: a model input (a statistic), not a money amount.
        Feature(
            "credit_amount",
            "numerical",
            (pl.col("amount_fen") / 100).cast(pl.Float64),
            "Requested amount",
            "申请金额",
            _number("amount_fen", 100),
        ),
        Feature(
            "duration_in_month",
            "numerical",
            pl.col("term_months").cast(pl.Float64),
            "Term in months",
            "期限（月）",
            _number("term_months"),
        ),
        Feature("purpose", "categorical", pl.col("purpose"), "Purpose", "用途", _text("purpose")),
        Feature("age_in_years", "numerical", _age_in_years(), "Age", "年龄", _age_online),
        *(_profile(name) for name in PROFILE_FIELDS),
    ),
)
