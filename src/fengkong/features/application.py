"""Features of a consumer-loan application, named as in the public German credit data the starter
scorecard learns from, so a model trained on that table scores live applications unchanged."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fengkong.features.definition import Feature, FeatureSet, category, number, whole_years

if TYPE_CHECKING:
    import polars as pl

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


def input_schema() -> dict[str, pl.DataType | type[pl.DataType]]:
    """The batch frame's column types (built on use: online scoring never loads Polars)."""
    import polars as pl

    return {
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


def _profile(name: str) -> Feature:
    en, zh = PROFILE_FIELDS[name]
    if name in NUMERIC_PROFILE_FIELDS:
        return number(name, name, en, zh)
    return category(name, name, en, zh)


APPLICATION_FEATURES = FeatureSet(
    name="application",
    version="1",
    input_schema=input_schema,
    features=(
        # Requested amount in yuan: a model input (a statistic), not a money amount.
        number("credit_amount", "amount_fen", "Requested amount", "申请金额", scale=100),
        number("duration_in_month", "term_months", "Term in months", "期限（月）"),
        category("purpose", "purpose", "Purpose", "用途"),
        whole_years("age_in_years", "birth_date", "as_of", "Age", "年龄"),
        *(_profile(name) for name in PROFILE_FIELDS),
    ),
)
