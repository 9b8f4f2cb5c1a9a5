"""Synthetic bank statements (银行流水) for the simulated statement provider, and the export files
banks would give for them (CSV and XLSX in `sources.statement_files.LAYOUTS`), for tests and demos.

A statement is drawn from a simulated applicant and a seed alone: salaried people are paid by one
employer on a fixed day, the self-employed and business owners by several customers at irregular
amounts; everybody pays rent and spends; existing debt is repaid to lenders monthly; people of low
creditworthiness more often gamble, borrow from small lenders and have debits bounce. The account
never goes below zero: a debit it cannot pay is recorded as a failed debit (扣款失败 余额不足)."""

from __future__ import annotations

import calendar
import csv
import io
import random
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fengkong.core.money import Fen, fen_to_yuan
from fengkong.sim.model import Applicant
from fengkong.sources.statement_files import LAYOUTS, Layout

__all__ = [
    "STATEMENT_COST",
    "statement_document",
    "statement_payload",
    "write_statement_csv",
    "write_statement_xlsx",
]

STATEMENT_COST = Fen(300)  # ¥3 a call: what statement aggregators charge per account pulled

EMPLOYERS = (
    "上海云启科技有限公司",
    "杭州华信商贸有限公司",
    "深圳恒达电子有限公司",
    "成都蓉城物流有限公司",
)
CUSTOMERS = ("某某餐饮店", "城东建材商行", "李记批发部", "顺丰速运", "美团商户结算", "微信商户结算")
SHOPS = ("沃尔玛超市", "盒马鲜生", "滴滴出行", "中国石化加油站", "京东商城", "美团外卖", "国家电网")
GAMBLING = ("某某彩票", "澳门博彩娱乐", "棋牌游戏充值")
LENDERS = ("蚂蚁借呗", "微粒贷", "某某小额贷款有限公司", "某某消费金融有限公司")
BANKS = ("中国工商银行", "招商银行", "中国建设银行", "中国农业银行")
CHANNELS = ("网上银行", "手机银行", "银联POS", "快捷支付")
# How each layout writes a date, so the readers see the forms banks use.
DATE_FORMS = {"icbc": "{:%Y-%m-%d}", "cmb": "{0.year}/{0.month}/{0.day}", "english": "{:%Y%m%d}"}


def _month_starts(as_of: date, months: int) -> list[date]:
    first = as_of.replace(day=1)
    starts = []
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
        starts.append(first)
    return starts[::-1]


def _yuan(rng: random.Random, low: float, high: float) -> Fen:
    """A whole-yuan amount drawn between `low` and `high` yuan (a draw, not a money computation)."""
    return Fen(int(rng.uniform(low, high)) * 100)


def statement_document(
    *,
    holder: str,
    monthly_income: Fen,
    creditworthiness: float,
    salaried: bool,
    monthly_debt: Fen,
    rng: random.Random,
    as_of: date,
    months: int = 6,
    account: str | None = None,
) -> dict[str, Any]:
    """One account's statement for the `months` full months before `as_of`, as the provider's
    JSON document `sources.statements.read` accepts; `account` is the card number (drawn when
    not given)."""
    starts = _month_starts(as_of, months)
    income = monthly_income // 100
    risky = creditworthiness < -0.8
    gambles = rng.random() < (0.5 if risky else 0.03)
    borrows = rng.random() < (0.6 if risky else 0.1)
    employer = rng.choice(EMPLOYERS)
    salary_day = rng.choice((5, 10, 15))
    events: list[
        tuple[date, str, Fen, str, str, str]
    ] = []  # date, time, amount, who, what, channel

    def add(day: date, amount: Fen, who: str, what: str, channel: str | None = None) -> None:
        clock = f"{rng.randint(7, 22):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        events.append((day, clock, amount, who, what, channel or rng.choice(CHANNELS)))

    for start in starts:
        last = calendar.monthrange(start.year, start.month)[1]

        def on(d: int, start: date = start, last: int = last) -> date:
            return start.replace(day=min(d, last))

        if salaried:
            add(
                on(salary_day),
                _yuan(rng, income * 0.98, income * 1.02),
                employer,
                "代发工资",
                "网上银行",
            )
        else:
            for _ in range(rng.randint(3, 8)):
                share = income / 5
                add(
                    on(rng.randint(1, last)),
                    _yuan(rng, share * 0.3, share * 1.7),
                    rng.choice(CUSTOMERS),
                    "货款",
                    "网上银行",
                )
        add(on(salary_day + 1), Fen(-_yuan(rng, income * 0.2, income * 0.3)), "房东", "房租")
        if monthly_debt > 0:
            add(
                on(20),
                Fen(-monthly_debt),
                rng.choice(LENDERS[:2] if not borrows else LENDERS),
                "贷款还款",
                "代扣",
            )
        for _ in range(rng.randint(6, 14)):
            add(
                on(rng.randint(1, last)),
                Fen(-_yuan(rng, 10, income * 0.08)),
                rng.choice(SHOPS),
                "消费",
            )
        if gambles and rng.random() < 0.7:
            add(
                on(rng.randint(1, last)),
                Fen(-_yuan(rng, 100, income * 0.2)),
                rng.choice(GAMBLING),
                "快捷支付",
            )
        if borrows and rng.random() < 0.6:
            lender = rng.choice(LENDERS[2:])
            add(on(rng.randint(1, 10)), _yuan(rng, 1000, 5000), lender, "放款")
            add(on(rng.randint(20, last)), Fen(-_yuan(rng, 300, 1500)), lender, "还款")

    events.sort(key=lambda e: (e[0], e[1]))
    opening = _yuan(rng, income * 0.1, income * (1.5 if not risky else 0.4))
    balance = opening
    transactions = []
    for day, clock, amount, who, what, channel in events:
        if balance + amount < 0:  # the bank refuses the debit; the statement shows it failed
            amount, what = Fen(0), "扣款失败 余额不足"
        balance = Fen(balance + amount)
        transactions.append(
            {
                "date": day.isoformat(),
                "time": clock,
                "amount_fen": amount,
                "balance_fen": balance,
                "counterparty": who,
                "description": what,
                "channel": channel,
            }
        )
    last_month = starts[-1]
    return {
        "holder": holder,
        "account": account or "6222" + "".join(str(rng.randint(0, 9)) for _ in range(15)),
        "bank": rng.choice(BANKS),
        "currency": "CNY",
        "period_from": starts[0].isoformat(),
        "period_to": last_month.replace(
            day=calendar.monthrange(last_month.year, last_month.month)[1]
        ).isoformat(),
        "opening_balance_fen": opening,
        "closing_balance_fen": balance,
        "transactions": transactions,
    }


def statement_payload(
    applicant: Applicant, as_of: date, seed: int, months: int = 6
) -> dict[str, Any]:
    """What the simulated provider answers for `applicant`: the same for the same seed."""
    rng = random.Random(f"{seed}:{applicant.key}:bank_statement")
    doc = statement_document(
        holder=applicant.identity.name,
        monthly_income=applicant.monthly_income,
        creditworthiness=applicant.creditworthiness,
        salaried=applicant.employment in ("salaried", "civil_servant"),
        monthly_debt=applicant.existing_monthly_debt,
        rng=rng,
        as_of=as_of,
        months=months,
        account=applicant.identity.bank_card,
    )
    return {"statements": [doc]}


def _layout(name: str) -> Layout:
    return next(layout for layout in LAYOUTS if layout.name == name)


def _table(statement: Mapping[str, Any], layout: Layout, typed: bool = False) -> list[list[Any]]:
    """The preamble lines, the header and the rows an export of `statement` in `layout` holds."""
    split = "credit" in layout.headers and "debit" in layout.headers
    columns = [
        c
        for c in layout.headers
        if c not in (("amount", "direction") if split else ("credit", "debit"))
    ]
    date_form = DATE_FORMS.get(layout.name, "{:%Y-%m-%d}")
    english = layout.name == "english"
    labels = (
        ("Account Name", "Account Number", "Bank", "Currency", "Period")
        if english
        else ("户名", "账号", "开户行", "币种", "起止日期")
    )
    preamble = [
        [
            f"{labels[0]}：{statement['holder']}"
            if not english
            else f"{labels[0]}: {statement['holder']}"
        ],
        [f"{labels[1]}: {statement['account']}"],
        [f"{labels[2]}: {statement['bank']}"],
        [
            f"{labels[3]}: {'CNY' if english else '人民币'}"
            if statement["currency"] == "CNY"
            else f"{labels[3]}: {statement['currency']}"
        ],
        [
            f"{labels[4]}: {statement['period_from']} {'to' if english else '至'} {statement['period_to']}"
        ],
    ]
    rows: list[list[Any]] = [*preamble, [layout.headers[c][0] for c in columns]]

    def _money(fen: int) -> str | Decimal:
        # XLSX holds a number (an exact Decimal here); CSV the text banks print, "8,500.00".
        return fen_to_yuan(fen) if typed else f"{fen_to_yuan(fen):,.2f}"

    for t in statement["transactions"]:
        amount = t["amount_fen"]
        cells: dict[str, Any] = {
            "date": date.fromisoformat(t["date"])
            if typed
            else date_form.format(date.fromisoformat(t["date"])),
            "time": t["time"],
            "credit": _money(amount) if amount > 0 else "",
            "debit": _money(-amount) if amount <= 0 else "",
            "amount": _money(amount),
            "direction": ("收入" if amount > 0 else "支出")
            if not english
            else ("CR" if amount > 0 else "DR"),
            "balance": _money(t["balance_fen"]),
            "counterparty": t["counterparty"],
            "description": t["description"],
            "channel": t["channel"],
            "currency": t.get("currency", statement["currency"]),
        }
        if "direction" in layout.headers and not split:
            cells["amount"] = _money(abs(amount))
        rows.append([cells[c] for c in columns])
    return rows


def write_statement_csv(
    statement: Mapping[str, Any], layout: str = "icbc", encoding: str = "gb18030"
) -> bytes:
    """One statement of a document as a bank's CSV export (`encoding`: "gb18030", "gbk",
    "utf-8" or "utf-8-sig")."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(_table(statement, _layout(layout)))
    return out.getvalue().encode(encoding)


def write_statement_xlsx(document: Mapping[str, Any], layout: str = "cmb") -> bytes:
    """A document as an XLSX workbook, one worksheet per statement; amounts as numbers and dates
    as dates, as a bank's XLSX export holds them."""
    import openpyxl

    book = openpyxl.Workbook()
    for blank in book.worksheets:
        book.remove(blank)
    for i, statement in enumerate(document["statements"]):
        sheet = book.create_sheet(f"账户{i + 1}")
        for row in _table(statement, _layout(layout), typed=True):
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
