"""Features of a revolving card account from six months of statements, named as in the public
Taiwan credit-card default data (UCI, Yeh & Lien 2009): the raw statement fields plus derived
behaviour features (utilization, payment ratio, delinquency counts, new spending) that a
scorecard cannot build for itself from one column at a time.

Month 1 is the latest statement. `PAY_0`, `PAY_2` … `PAY_6` are repayment statuses (−2 no
use, −1 paid in full, 0 revolving, k ≥ 1 months late); `BILL_AMT1..6` statement balances;
`PAY_AMT1..6` amounts paid in that month, which settle the previous month's statement. These
are model inputs (statistics in the dataset's currency unit), not booked money amounts."""

from __future__ import annotations

import polars as pl

from fengkong.features.definition import Feature, FeatureSet

STATUS = ("PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6")
BILL = tuple(f"BILL_AMT{k}" for k in range(1, 7))
PAID = tuple(f"PAY_AMT{k}" for k in range(1, 7))
PROFILE = ("LIMIT_BAL", "SEX", "EDUCATION", "MARRIAGE", "AGE")

INPUT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    name: pl.Float64 for name in (*PROFILE, *STATUS, *BILL, *PAID)
}

_RAW_LABELS: dict[str, tuple[str, str]] = {
    "LIMIT_BAL": ("Credit limit", "授信额度"),
    "SEX": ("Sex", "性别"),
    "EDUCATION": ("Education", "教育程度"),
    "MARRIAGE": ("Marital status", "婚姻状况"),
    "AGE": ("Age", "年龄"),
    **{s: (f"Repayment status, month {k}", f"第{k}月还款状态") for k, s in enumerate(STATUS, 1)},
    **{b: (f"Statement balance, month {k}", f"第{k}月账单金额") for k, b in enumerate(BILL, 1)},
    **{p: (f"Amount paid, month {k}", f"第{k}月还款金额") for k, p in enumerate(PAID, 1)},
}


def _per_limit(expr: pl.Expr) -> pl.Expr:
    limit = pl.col("LIMIT_BAL")
    return pl.when(limit > 0).then(expr / limit).otherwise(None)


def _paid_share(paid: pl.Expr, billed: pl.Expr) -> pl.Expr:
    """What was paid against what was billed; none when nothing was billed."""
    return pl.when(billed > 0).then(paid / billed).otherwise(None)


def _count(conditions: list[pl.Expr]) -> pl.Expr:
    return pl.sum_horizontal(*conditions).cast(pl.Float64)


# `PAY_AMT{k}` settles the statement of the month before, `BILL_AMT{k+1}`.
_MONTHLY_PAID_SHARES = [_paid_share(pl.col(PAID[k]), pl.col(BILL[k + 1])) for k in range(5)]
_SETTLED = [(pl.col(PAID[k]), pl.col(BILL[k + 1])) for k in range(5)]


def _months_since_late() -> pl.Expr:
    """1 when the latest month was late, … 6 for the oldest; 7 when no month was late."""
    since: pl.Expr = pl.lit(7.0)
    for k in reversed(range(len(STATUS))):
        since = pl.when(pl.col(STATUS[k]) > 0).then(pl.lit(float(k + 1))).otherwise(since)
    return since


DERIVED: tuple[Feature, ...] = (
    Feature(
        "worst_status",
        "numerical",
        pl.max_horizontal(*STATUS),
        "Worst repayment status in six months",
        "六个月内最差还款状态",
    ),
    Feature(
        "months_late",
        "numerical",
        pl.sum_horizontal(*(pl.col(s) > 0 for s in STATUS)).cast(pl.Float64),
        "Months paid late out of six",
        "六个月内逾期月数",
    ),
    Feature(
        "months_paid_in_full",
        "numerical",
        pl.sum_horizontal(*(pl.col(s) == -1 for s in STATUS)).cast(pl.Float64),
        "Months paid in full out of six",
        "六个月内全额还款月数",
    ),
    Feature(
        "months_unused",
        "numerical",
        pl.sum_horizontal(*(pl.col(s) == -2 for s in STATUS)).cast(pl.Float64),
        "Months without use out of six",
        "六个月内未用卡月数",
    ),
    Feature(
        "utilization",
        "numerical",
        _per_limit(pl.col("BILL_AMT1")),
        "Latest balance over the limit",
        "最近账单额度使用率",
    ),
    Feature(
        "utilization_mean",
        "numerical",
        _per_limit(pl.mean_horizontal(*BILL)),
        "Mean balance over the limit, six months",
        "六个月平均额度使用率",
    ),
    Feature(
        "utilization_max",
        "numerical",
        _per_limit(pl.max_horizontal(*BILL)),
        "Highest balance over the limit, six months",
        "六个月最高额度使用率",
    ),
    Feature(
        "balance_trend",
        "numerical",
        _per_limit(pl.col("BILL_AMT1") - pl.col("BILL_AMT6")),
        "Balance change over six months, over the limit",
        "六个月余额变化占额度比例",
    ),
    Feature(
        "paid_share_latest",
        "numerical",
        _paid_share(pl.col("PAY_AMT1"), pl.col("BILL_AMT2")),
        "Latest payment over the statement it settles",
        "最近还款占上期账单比例",
    ),
    Feature(
        "paid_share_total",
        "numerical",
        _paid_share(pl.sum_horizontal(*PAID[:5]), pl.sum_horizontal(*BILL[1:])),
        "Payments over the statements they settle, five months",
        "五个月还款占账单比例",
    ),
    Feature(
        "recent_worst_status",
        "numerical",
        pl.max_horizontal(*STATUS[:3]),
        "Worst repayment status in the latest three months",
        "最近三个月最差还款状态",
    ),
    Feature(
        "months_since_late",
        "numerical",
        _months_since_late(),
        "Months since the latest late month (7: never late in six)",
        "距最近一次逾期的月数（7 表示六个月内未逾期）",
    ),
    Feature(
        "months_revolving",
        "numerical",
        _count([pl.col(s) == 0 for s in STATUS]),
        "Months revolving a balance out of six",
        "六个月内循环还款月数",
    ),
    Feature(
        "paid_share_min",
        "numerical",
        pl.min_horizontal(*_MONTHLY_PAID_SHARES),
        "Lowest monthly payment over the statement it settles",
        "单月还款占上期账单的最低比例",
    ),
    Feature(
        "paid_share_mean",
        "numerical",
        pl.mean_horizontal(*_MONTHLY_PAID_SHARES),
        "Mean monthly payment over the statement it settles",
        "单月还款占上期账单的平均比例",
    ),
    Feature(
        "months_statement_paid",
        "numerical",
        _count([paid >= billed for paid, billed in _SETTLED]),
        "Months the whole previous statement was paid, out of five",
        "五个月内还清上期账单的月数",
    ),
    Feature(
        "months_nothing_paid",
        "numerical",
        _count([(paid == 0) & (billed > 0) for paid, billed in _SETTLED]),
        "Months with a statement to settle and nothing paid, out of five",
        "五个月内有账单而未还款的月数",
    ),
    Feature(
        "utilization_change",
        "numerical",
        _per_limit(pl.col("BILL_AMT1") - pl.mean_horizontal(*BILL)),
        "Latest balance above the six-month mean, over the limit",
        "最近余额高于六个月均值的部分占额度比例",
    ),
    Feature(
        "unpaid_latest",
        "numerical",
        _per_limit(pl.col("BILL_AMT2") - pl.col("PAY_AMT1")),
        "Previous statement left unpaid, over the limit",
        "上期账单未还部分占额度比例",
    ),
    Feature(
        "paid_per_limit",
        "numerical",
        _per_limit(pl.mean_horizontal(*PAID)),
        "Mean monthly payment over the limit",
        "月均还款占额度比例",
    ),
    Feature(
        "headroom",
        "numerical",
        pl.col("LIMIT_BAL") - pl.col("BILL_AMT1"),
        "Limit left above the latest balance",
        "最近账单后剩余额度",
    ),
)


def _status(name: str, worst: int) -> pl.Expr:
    """A repayment status as text, every status from `worst` months late on grouped with it."""
    return pl.col(name).clip(-2, worst).cast(pl.Int64).cast(pl.String)


_NO_BAND = pl.lit(
    None, dtype=pl.String
)  # an unknown amount has no band: the combination is missing


def _utilization_band() -> pl.Expr:
    utilization = _per_limit(pl.col("BILL_AMT1"))
    return (
        pl.when(utilization.is_null())
        .then(_NO_BAND)
        .when(utilization < 0)
        .then(pl.lit("credit"))
        .when(utilization < 0.1)
        .then(pl.lit("<10%"))
        .when(utilization < 0.5)
        .then(pl.lit("10-50%"))
        .when(utilization < 0.9)
        .then(pl.lit("50-90%"))
        .otherwise(pl.lit("90%+"))
    )


def _paid_share_band() -> pl.Expr:
    share = _paid_share(pl.col("PAY_AMT1"), pl.col("BILL_AMT2"))
    return (
        pl.when(pl.col("PAY_AMT1").is_null() | pl.col("BILL_AMT2").is_null())
        .then(_NO_BAND)
        .when(pl.col("BILL_AMT2") <= 0)
        .then(pl.lit("nothing billed"))
        .when(share < 0.02)
        .then(pl.lit("<2%"))
        .when(share < 0.05)
        .then(pl.lit("2-5%"))
        .when(share < 0.2)
        .then(pl.lit("5-20%"))
        .when(share < 1)
        .then(pl.lit("20-100%"))
        .otherwise(pl.lit("in full"))
    )


def _crossed(*parts: pl.Expr) -> pl.Expr:
    """One category per combination; missing when any part is."""
    return pl.concat_str(list(parts), separator=" / ")


# A scorecard adds one characteristic's points to another's, so it cannot see that utilization
# or a small payment means more for an account that is already late. These crossings give it
# those combinations as categories of their own; binning merges the rare ones.
CROSSED: tuple[Feature, ...] = (
    Feature(
        "status_pair",
        "categorical",
        _crossed(_status("PAY_0", 3), _status("PAY_2", 3)),
        "Repayment status, latest and previous month",
        "最近两个月还款状态组合",
    ),
    Feature(
        "status_trio",
        "categorical",
        _crossed(*(_status(s, 2) for s in STATUS[:3])),
        "Repayment status, latest three months",
        "最近三个月还款状态组合",
    ),
    Feature(
        "status_by_utilization",
        "categorical",
        _crossed(_status("PAY_0", 3), _utilization_band()),
        "Latest repayment status with latest utilization band",
        "最近还款状态与额度使用率区间组合",
    ),
    Feature(
        "status_by_paid_share",
        "categorical",
        _crossed(_status("PAY_0", 3), _paid_share_band()),
        "Latest repayment status with the share of the last statement paid",
        "最近还款状态与上期账单还款比例区间组合",
    ),
    Feature(
        "status_pair_by_paid_share",
        "categorical",
        _crossed(_status("PAY_0", 2), _status("PAY_2", 2), _paid_share_band()),
        "Latest two repayment statuses with the share of the last statement paid",
        "最近两个月还款状态与上期账单还款比例区间组合",
    ),
)


def _spend(k: int) -> pl.Expr:
    """New charges (purchases, interest and fees) on statement `k`, over the limit: the balance
    is the previous statement less what was paid against it plus what was charged since."""
    return _per_limit(pl.col(BILL[k]) - pl.col(BILL[k + 1]) + pl.col(PAID[k]))


# How much an account still charges to the card (version 4) is a sum over three columns of two
# months, which trees on the raw columns can only approximate by many splits; given as numbers
# of their own, one split reads them. An account that keeps charging while it pays little is
# borrowing more; one that stops charging may have moved its spending to another card.
SPEND: tuple[Feature, ...] = (
    *(
        Feature(
            f"spend{k + 1}",
            "numerical",
            _spend(k),
            f"New charges, month {k + 1}, over the limit",
            f"第{k + 1}月新增消费占额度比例",
        )
        for k in range(5)
    ),
    Feature(
        "spend_mean",
        "numerical",
        pl.mean_horizontal(*(_spend(k) for k in range(5))),
        "Mean monthly new charges over the limit, five months",
        "五个月月均新增消费占额度比例",
    ),
)

CARD_ACCOUNT_FEATURES = FeatureSet(
    name="card_account",
    version="4",
    input_schema=INPUT_SCHEMA,
    features=(
        *(Feature(n, "numerical", pl.col(n), *_RAW_LABELS[n]) for n in INPUT_SCHEMA),
        *DERIVED,
        *CROSSED,
        *SPEND,
    ),
)
