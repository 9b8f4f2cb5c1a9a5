"""What the simulated credit bureau answers about a simulated applicant: a personal credit report
(`sources.bureau`'s JSON document) whose risk agrees with the applicant's hidden risk.

The applicant's latent creditworthiness and drawn behaviour set a risk `r` (higher is worse):
it raises the monthly chance of an overdue month in each account's record, the number of loan
and card enquiries, the use of card limits, and the chance of a public record. Ring members
(`FraudKind.RING`) show the fraudster's pattern: a thin file and a burst of recent enquiries.
An identity thief's report is the victim's, as a real bureau's would be.

Every draw comes from the generator given, so a seeded run repeats its reports."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from typing import Any

from fengkong.core.money import Fen
from fengkong.sim.model import Applicant, Behaviour, FraudKind

__all__ = ["BUREAU_COST", "LENDERS", "answer_bureau", "risk_of"]

BUREAU_COST = Fen(200)  # 2.00 yuan a report
LENDERS = (
    "中国工商银行",
    "中国建设银行",
    "中国农业银行",
    "中国银行",
    "交通银行",
    "招商银行",
    "浦发银行",
    "中信银行",
    "平安银行",
    "兴业银行",
    "民生银行",
    "马上消费金融",
    "招联消费金融",
    "微众银行",
    "网商银行",
)
_BEHAVIOUR_RISK = {
    Behaviour.STEADY: 0.0,
    Behaviour.EARLY_SETTLER: -0.2,
    Behaviour.OCCASIONALLY_LATE: 0.6,
    Behaviour.CURED: 0.8,
    Behaviour.ROLLS_TO_DEFAULT: 1.0,
}
# Account types with their weights, and whether the amount is a card limit.
_TYPES = (
    ("credit_card", 45),
    ("consumer_loan", 25),
    ("mortgage", 10),
    ("car_loan", 8),
    ("business_loan", 5),
    ("quasi_credit_card", 3),
    ("other_loan", 4),
)
_REVOLVING = frozenset({"credit_card", "quasi_credit_card"})


def risk_of(person: Applicant) -> float:
    """The hidden risk a report reflects: higher is worse, about N(0, 1) for honest applicants."""
    return -person.creditworthiness + _BEHAVIOUR_RISK[person.behaviour]


def _logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: means here are small (a few accounts, a few enquiries).
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _history(rng: random.Random, months: int, r: float, closing: bool) -> str:
    """`months` PBOC characters, oldest first: overdue spells more often the higher `r`."""
    chance = _logistic(-6.0 + 1.6 * r)
    persist = min(0.85, 0.2 + 0.2 * max(0.0, r))
    out: list[str] = []
    overdue = 0
    for _ in range(months):
        if overdue and rng.random() < persist:
            overdue = min(7, overdue + 1)  # the spell goes on and deepens
        elif overdue:
            overdue = 0  # cured
        elif rng.random() < chance:
            overdue = 1
        out.append(str(overdue) if overdue else "N")
    if closing:
        out[-1] = "C"
    return "".join(out)


def _account(rng: random.Random, person: Applicant, as_of: date, r: float) -> dict[str, Any]:
    kind = rng.choices([t for t, _ in _TYPES], [w for _, w in _TYPES])[0]
    years_of_credit = max(1, min(person.age - 18, 15))
    opened = as_of - timedelta(days=rng.randint(20, 365 * years_of_credit))
    income_yuan = person.monthly_income / 100
    if kind in _REVOLVING:
        amount_yuan = round(income_yuan * rng.uniform(0.5, 3.0), -2)
    elif kind == "mortgage":
        amount_yuan = round(income_yuan * rng.uniform(60, 150), -3)
    elif kind == "car_loan":
        amount_yuan = round(income_yuan * rng.uniform(8, 25), -3)
    else:
        amount_yuan = round(income_yuan * rng.uniform(0.5, 6.0), -2)
    amount = int(max(1_000, amount_yuan)) * 100
    months_open = (as_of.year - opened.year) * 12 + as_of.month - opened.month + 1
    length = max(1, min(24, months_open))
    closing = kind not in _REVOLVING and rng.random() < 0.3 and months_open > 3
    history = _history(rng, length, r, closing)
    worst_now = history[-1]
    if closing:
        status, balance, closed = (
            "closed",
            0,
            max(opened, as_of - timedelta(days=rng.randint(1, 28))),
        )
    else:
        closed = None
        if worst_now in "34567" and rng.random() < 0.3:
            status = "bad_debt"
        elif worst_now in "1234567":
            status = "overdue"
        else:
            status = "open"
        if kind in _REVOLVING:
            used = min(1.0, max(0.0, rng.betavariate(1.5, 4.0) + 0.25 * max(0.0, r)))
        else:
            used = rng.uniform(0.1, 0.95)
        balance = int(amount * used)
    return {
        "lender": rng.choice(LENDERS),
        "type": kind,
        "opened": opened.isoformat(),
        "amount_fen": amount,
        "balance_fen": balance,
        "status": status,
        "repayment_24m": history,
        "history_month": _month_start(as_of, 0).isoformat()[:7],
        "closed": closed.isoformat() if closed else None,
    }


def _enquiries(rng: random.Random, as_of: date, r: float, ring: bool) -> list[dict[str, Any]]:
    approvals = _poisson(rng, 1.5 * math.exp(0.6 * r)) + (rng.randint(4, 10) if ring else 0)
    others = _poisson(rng, 1.0)
    out: list[dict[str, Any]] = []
    for i in range(approvals + others):
        recent = ring and i < approvals
        days = rng.randint(0, 60 if recent else 729)
        reason = (
            rng.choice(("loan_approval", "loan_approval", "card_approval"))
            if i < approvals
            else rng.choice(("post_loan", "post_loan", "self", "guarantee"))
        )
        out.append(
            {
                "date": (as_of - timedelta(days=days)).isoformat(),
                "lender": rng.choice(LENDERS),
                "reason": reason,
            }
        )
    return sorted(out, key=lambda e: e["date"], reverse=True)


def answer_bureau(person: Applicant, as_of: date, rng: random.Random) -> dict[str, Any]:
    """The simulated bureau's report on `person` as of `as_of`, dated that day."""
    r = risk_of(person)
    ring = person.fraud is FraudKind.RING
    count = 0 if ring and rng.random() < 0.7 else _poisson(rng, min(6.0, 1.0 + person.age / 12))
    public: list[dict[str, Any]] = []
    if rng.random() < _logistic(-4.5 + 1.2 * r):
        kind = rng.choice(("court_judgment", "enforcement", "tax_arrears"))
        public.append(
            {
                "kind": kind,
                "date": (as_of - timedelta(days=rng.randint(30, 1500))).isoformat(),
                "amount_fen": rng.randint(50, 2_000) * 10_000,
                "authority": "人民法院" if kind != "tax_arrears" else "税务局",
            }
        )
    return {
        "person": {"name": person.identity.name, "id_number": person.identity.id_number},
        "report_date": as_of.isoformat(),
        "accounts": [_account(rng, person, as_of, r) for _ in range(count)],
        "enquiries": _enquiries(rng, as_of, r, ring),
        "public_records": public,
    }
