"""Use of funds (贷款用途管理) and entrusted payment (受托支付), as pure rules.

PRC rules on internet loans make the lender control what a loan is used for: a product lists
the purposes a loan or draw may state (`UseOfFundsRules.purposes`); some purposes are refused
whatever a product says (`FORBIDDEN_PURPOSES`: house purchase, securities, repaying other
loans …); above a threshold, or always, the money goes to the borrower's counterparty — a named
payee — rather than to the borrower (受托支付); and the borrower may have to bring receipts
(发票/凭证) within so many days of the payout, or the line is frozen (`receipts_overdue`).

Everything here is a pure function over frozen values: `check_fund_use` on a draw or payout
request, `receipt_errors` on a receipt, `coverage` of the receipts against the payout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen, format_fen

__all__ = [
    "APPLICATION_PURPOSES",
    "DEFAULT_PURPOSES",
    "DEFAULT_USE_OF_FUNDS",
    "FORBIDDEN_PURPOSES",
    "Coverage",
    "EntrustedPayment",
    "FundUse",
    "FundUseRequest",
    "Payee",
    "Purpose",
    "Receipt",
    "UseOfFundsRules",
    "check_fund_use",
    "check_receipt",
    "coverage",
    "due_date",
    "normal_name",
    "purpose_errors",
    "receipt_errors",
    "receipts_overdue",
    "requires_entrusted_payment",
    "use_of_funds_errors",
]

_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_RECEIPT_DAYS = 365
MAX_TEXT = 120
NO_FEN = Fen(0)


@dataclass(frozen=True, slots=True)
class Purpose:
    """One purpose a loan may state: a stable code and its labels."""

    code: str
    zh: str
    en: str


DEFAULT_PURPOSES: tuple[Purpose, ...] = (
    Purpose("daily_consumption", "日常消费", "daily consumption"),
    Purpose("home_renovation", "装修", "home renovation"),
    Purpose("education", "教育", "education"),
    Purpose("medical", "医疗", "medical"),
    Purpose("travel", "旅游", "travel"),
    Purpose("business_working_capital", "经营周转", "business working capital"),
    Purpose("purchase_of_goods", "采购", "purchase of goods"),
)

# Refused whatever a product lists: consumer credit may not fund these (the CBIRC and PBoC
# notices on internet loans and on consumer credit flowing into property and stock markets).
FORBIDDEN_PURPOSES: tuple[Purpose, ...] = (
    Purpose("house_purchase", "购房", "house purchase"),
    Purpose("house_down_payment", "购房首付", "house down payment"),
    Purpose("securities_investment", "证券投资", "securities investment"),
    Purpose("futures_and_derivatives", "期货及衍生品", "futures and derivatives"),
    Purpose("repay_other_loans", "偿还其他贷款", "repaying other loans"),
    Purpose("on_lending", "转贷", "lending the money on"),
    Purpose("gambling", "赌博", "gambling"),
)
_FORBIDDEN = {p.code: p for p in FORBIDDEN_PURPOSES}

# The application form's purposes (the German credit codebook, `features.codebook`) → the code
# a loan paid out on that application states when its payout names none.
APPLICATION_PURPOSES: Mapping[str, str] = {
    "car (new)": "purchase_of_goods",
    "car (used)": "purchase_of_goods",
    "furniture/equipment": "purchase_of_goods",
    "radio/television": "purchase_of_goods",
    "domestic appliances": "purchase_of_goods",
    "repairs": "home_renovation",
    "education": "education",
    "retraining": "education",
    "business": "business_working_capital",
    "others": "daily_consumption",
}


class EntrustedPayment(StrEnum):
    """When the money must go to the borrower's counterparty (受托支付)."""

    NEVER = "never"  # 自主支付: the borrower is paid, unless they name a payee themselves
    ALWAYS = "always"
    ABOVE = "above"  # when the amount is above `entrusted_above` fen


@dataclass(frozen=True, slots=True)
class UseOfFundsRules:
    """A product's use-of-funds terms. The default is what every product had before: any listed
    purpose may be stated (none has to be), the borrower is paid, no receipts are asked for."""

    purposes: tuple[Purpose, ...] = DEFAULT_PURPOSES
    purpose_required: bool = False
    entrusted_payment: EntrustedPayment = EntrustedPayment.NEVER
    entrusted_above: Fen = NO_FEN  # with ABOVE: amounts over this many fen go to the payee
    receipts_required: bool = False
    receipts_within_days: int = 30  # after the payout
    # When receipts arrive after the line was frozen for them: lift the freeze at once, or leave
    # it to an officer's reinstatement (the default).
    unfreeze_on_receipts: bool = False

    def __post_init__(self) -> None:
        errors = use_of_funds_errors(self)
        if errors:
            raise Invalid(errors)

    def allowed_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.purposes)

    def purpose(self, code: str) -> Purpose | None:
        return next((p for p in self.purposes if p.code == code), None)


def use_of_funds_errors(rules: UseOfFundsRules) -> tuple[FieldError, ...]:
    """Every rule the configuration breaks, located under `use_of_funds`."""
    errors: list[FieldError] = []

    def fail(loc: tuple[str | int, ...], msg: str) -> None:
        errors.append(FieldError(("use_of_funds", *loc), msg))

    if not isinstance(rules.purposes, tuple) or not rules.purposes:
        fail(("purposes",), "at least one purpose must be allowed")
    else:
        seen: set[str] = set()
        for index, purpose in enumerate(rules.purposes):
            if not isinstance(purpose, Purpose) or not _CODE.fullmatch(str(purpose.code)):
                fail(("purposes", index), "a purpose code is 1-40 of a-z, 0-9 and '_'")
                continue
            if purpose.code in _FORBIDDEN:
                fail(
                    ("purposes", index),
                    f"{purpose.code} ({_FORBIDDEN[purpose.code].zh}) is a forbidden purpose",
                )
            if purpose.code in seen:
                fail(("purposes", index), f"{purpose.code} is listed twice")
            seen.add(purpose.code)
            if not purpose.zh.strip() or not purpose.en.strip():
                fail(("purposes", index), "a purpose needs a zh-CN and an English label")
    if not isinstance(rules.entrusted_payment, EntrustedPayment):
        fail(("entrusted_payment",), "must be one of never, always, above")
    above = rules.entrusted_above
    if isinstance(above, bool) or not isinstance(above, int) or above < 0:
        fail(("entrusted_above",), f"must be a whole number of fen ≥ 0: {above!r}")
    elif rules.entrusted_payment is EntrustedPayment.ABOVE and above < 1:
        fail(("entrusted_above",), "entrusted payment 'above' needs the amount, in fen")
    days = rules.receipts_within_days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_RECEIPT_DAYS:
        fail(("receipts_within_days",), f"must be 1..{MAX_RECEIPT_DAYS} days: {days!r}")
    return tuple(errors)


DEFAULT_USE_OF_FUNDS = UseOfFundsRules()


# ---- a request's purpose and payee ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Payee:
    """The counterparty entrusted payment pays: a name, a bank account and its bank. Held in
    clear only for the request: stored, the account is vault ciphertext and a mask."""

    name: str
    account: str
    bank: str

    def __repr__(self) -> str:  # never the account in a log line
        return f"Payee(name=…, account=…{self.account[-4:]}, bank={self.bank!r})"


def purpose_errors(rules: UseOfFundsRules, purpose: str | None) -> tuple[FieldError, ...]:
    """Why `purpose` may not be stated under `rules` (forbidden, not listed, missing)."""
    allowed = ", ".join(f"{p.code} ({p.zh})" for p in rules.purposes)
    if purpose is None or not str(purpose).strip():
        if rules.purpose_required:
            return (
                FieldError(
                    ("purpose",),
                    f"state the purpose of the funds (请说明资金用途): one of {allowed}",
                    "missing",
                ),
            )
        return ()
    code = purpose.strip()
    forbidden = _FORBIDDEN.get(code)
    if forbidden is not None:
        return (
            FieldError(
                ("purpose",),
                f"{code}: {forbidden.zh} / {forbidden.en} is a forbidden use of loan funds "
                f"(贷款资金不得用于{forbidden.zh}); allowed: {allowed}",
                "forbidden",
            ),
        )
    if rules.purpose(code) is None:
        return (
            FieldError(
                ("purpose",),
                f"{code!r} is not a purpose this product allows (不支持的用途); allowed: {allowed}",
                "enum",
            ),
        )
    return ()


def requires_entrusted_payment(rules: UseOfFundsRules, amount: int) -> bool:
    """Whether `amount` fen must be paid to a named payee under `rules`."""
    if rules.entrusted_payment is EntrustedPayment.ALWAYS:
        return True
    if rules.entrusted_payment is EntrustedPayment.ABOVE:
        return amount > rules.entrusted_above
    return False


def _payee_errors(payee: Payee | None, required: bool, rules: UseOfFundsRules) -> list[FieldError]:
    if payee is None:
        if not required:
            return []
        why = (
            "always"
            if rules.entrusted_payment is EntrustedPayment.ALWAYS
            else f"above {format_fen(rules.entrusted_above)}"
        )
        return [
            FieldError(
                ("payee",),
                f"this product pays {why} to the borrower's counterparty (受托支付): give the "
                "payee's name, bank account and bank",
                "missing",
            )
        ]
    errors: list[FieldError] = []
    for name in ("name", "bank"):
        value = getattr(payee, name)
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_TEXT:
            errors.append(FieldError(("payee", name), f"required, 1-{MAX_TEXT} characters"))
    account = payee.account
    digits = "" if not isinstance(account, str) else re.sub(r"[\s-]", "", account)
    if not re.fullmatch(r"[0-9]{6,34}", digits):
        errors.append(
            FieldError(("payee", "account"), "a bank account number: 6-34 digits (对公/对私账号)")
        )
    return errors


@dataclass(frozen=True, slots=True)
class FundUseRequest:
    """A checked purpose and payee, ready to store beside the draw or loan."""

    purpose: str | None
    payee: Payee | None
    entrusted: bool  # the payout goes to `payee`


def check_fund_use(
    rules: UseOfFundsRules, amount: int, purpose: str | None, payee: Payee | None
) -> FundUseRequest:
    """The purpose and payee of a draw or payout of `amount` fen, checked against `rules`;
    `Invalid` naming every bad field (the allowed purposes listed)."""
    required = requires_entrusted_payment(rules, amount)
    errors = [*purpose_errors(rules, purpose), *_payee_errors(payee, required, rules)]
    if errors:
        raise Invalid(tuple(errors))
    clean = None
    if payee is not None:
        clean = Payee(payee.name.strip(), re.sub(r"[\s-]", "", payee.account), payee.bank.strip())
    code = None if purpose is None or not purpose.strip() else purpose.strip()
    return FundUseRequest(code, clean, clean is not None)


# ---- what is stored, and receipts -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FundUse:
    """The use of funds stored with a draw or loan (`loan_id` is the draw's id for a draw).
    The payee's name and account are vault tokens; `payee_account_mask` shows the last digits.
    `paid_on`, `paid_out` and `receipts_due_on` are set when the money leaves."""

    loan_id: str
    line_id: str | None
    purpose: str | None
    entrusted: bool
    payee_name_enc: str | None = None
    payee_name_bidx: str | None = None
    payee_name_mask: str | None = None
    payee_account_enc: str | None = None
    payee_account_mask: str | None = None
    payee_bank: str | None = None
    receipts_required: bool = False
    receipts_within_days: int = 30
    paid_on: date | None = None
    paid_out: Fen = NO_FEN
    receipts_due_on: date | None = None
    covered: Fen = NO_FEN  # the receipts' total so far


@dataclass(frozen=True, slots=True)
class Receipt:
    """A receipt (发票/凭证) for a payout: its number, date, amount and payee, and the uploaded
    file's name and sha256 (the bytes are kept by the document store, not here)."""

    number: str
    issued_on: date
    amount: Fen
    payee_name: str
    file_name: str
    sha256: str
    receipt_id: str = ""
    # Sealed for storing: the name's token and its blind index (of `normal_name`); read back,
    # `payee_name` is the name's mask.
    payee_name_enc: str = ""
    payee_name_bidx: str = ""


def normal_name(name: str) -> str:
    """A payee name as compared: surrounding and repeated spaces dropped, full-width brackets
    as half-width, case folded (公司（北京） and 公司(北京) are one company)."""
    text = name.replace("（", "(").replace("）", ")")
    return " ".join(text.split()).casefold()


def receipt_errors(
    use: FundUse, receipt: Receipt, known: Sequence[Receipt], today: date
) -> tuple[FieldError, ...]:
    """Why `receipt` does not evidence `use`'s payout: no payout yet, the amount over what is
    left uncovered, a date before the payout or after `today`, another payee than the entrusted
    one (compared by blind index), a number already given, a malformed file digest."""
    errors: list[FieldError] = []

    def fail(field: str, msg: str, kind: str = "value_error") -> None:
        errors.append(FieldError((field,), msg, kind))

    number = receipt.number.strip() if isinstance(receipt.number, str) else ""
    if not number or len(number) > 64:
        fail("number", "the receipt's number, 1-64 characters")
    elif any(k.number == number for k in known):
        fail("number", f"receipt {number} is already attached", "duplicate")
    amount = receipt.amount
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        fail("amount", f"a whole number of fen ≥ 1: {amount!r}")
    else:
        left = use.paid_out - use.covered
        if amount > use.paid_out:
            fail(
                "amount",
                f"{format_fen(amount)} is over the {format_fen(use.paid_out)} paid out "
                "(凭证金额超过放款金额)",
                "over_payout",
            )
        elif amount > left:
            fail(
                "amount",
                f"{format_fen(amount)} is over the {format_fen(Fen(left))} not yet covered by "
                "receipts",
                "over_payout",
            )
    if use.paid_on is not None and receipt.issued_on < use.paid_on:
        fail(
            "issued_on",
            f"dated {receipt.issued_on}, before the payout on {use.paid_on} (凭证日期早于放款日)",
            "before_payout",
        )
    if receipt.issued_on > today:
        fail("issued_on", f"dated {receipt.issued_on}, after today {today}")
    if not isinstance(receipt.payee_name, str) or not receipt.payee_name.strip():
        fail("payee_name", "the payee the receipt names")
    elif (
        use.entrusted
        and use.payee_name_bidx is not None
        and receipt.payee_name_bidx != use.payee_name_bidx
    ):
        fail(
            "payee_name",
            "the receipt names another payee than the one paid (凭证收款方与受托支付对象不符)",
            "payee_mismatch",
        )
    file_name = receipt.file_name.strip() if isinstance(receipt.file_name, str) else ""
    if not file_name or len(file_name) > 200 or "/" in file_name or "\\" in file_name:
        fail("file_name", "the uploaded file's name, 1-200 characters, no path")
    if not isinstance(receipt.sha256, str) or not _SHA256.fullmatch(receipt.sha256.lower()):
        fail("sha256", "the uploaded file's sha256, 64 hex digits")
    elif any(k.sha256 == receipt.sha256.lower() for k in known):
        fail("sha256", "this file is already attached as another receipt", "duplicate")
    return tuple(errors)


def check_receipt(use: FundUse, receipt: Receipt, known: Sequence[Receipt], today: date) -> FundUse:
    """`use` with `receipt` counted (`Invalid` with every finding if it does not hold; a
    `Conflict`-worthy state, no payout yet, is the caller's to refuse first)."""
    errors = receipt_errors(use, receipt, known, today)
    if errors:
        raise Invalid(errors)
    return replace(use, covered=Fen(use.covered + receipt.amount))


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of a payout the receipts cover."""

    paid_out: Fen
    covered: Fen
    share: Decimal  # covered / paid out, 0..1, 4 places
    complete: bool
    due_on: date | None
    overdue: bool


def coverage(use: FundUse, receipts: Iterable[Receipt], on: date) -> Coverage:
    """The receipts' cover of `use`'s payout as of `on`."""
    covered = Fen(sum(r.amount for r in receipts))
    share = (
        Decimal(0)
        if use.paid_out <= 0
        else (Decimal(covered) / Decimal(use.paid_out)).quantize(Decimal("0.0001"))
    )
    complete = use.paid_out > 0 and covered >= use.paid_out
    return Coverage(
        use.paid_out,
        covered,
        min(share, Decimal(1)),
        complete,
        use.receipts_due_on,
        receipts_overdue(use, on),
    )


def due_date(paid_on: date, rules: UseOfFundsRules) -> date | None:
    """The last day receipts may arrive for a payout on `paid_on`; None when none are asked."""
    return paid_on + timedelta(days=rules.receipts_within_days) if rules.receipts_required else None


def receipts_overdue(use: FundUse, on: date) -> bool:
    """Whether, as of `on`, the receipts were due (the due date has passed) and do not cover
    what was paid out."""
    return (
        use.receipts_due_on is not None and on > use.receipts_due_on and use.covered < use.paid_out
    )
