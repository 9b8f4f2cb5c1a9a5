"""Chart of accounts (会计科目表) for a lender's books.

Codes follow the Chinese Accounting Standards chart where a first-level account exists
(1002 银行存款, 1303 贷款, 1304 贷款损失准备, 4102 一般风险准备 …); our sub-accounts append two
digits to it (113201 应收利息, 113202 应收罚息). A per-loan sub-account is the pair
`AccountKey(code, loan_id)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fengkong.core.errors import NotFound


class Side(StrEnum):
    DEBIT = "debit"  # 借
    CREDIT = "credit"  # 贷

    @property
    def opposite(self) -> Side:
        return Side.CREDIT if self is Side.DEBIT else Side.DEBIT


class AccountType(StrEnum):
    ASSET = "asset"  # 资产
    CONTRA_ASSET = "contra_asset"  # 资产备抵
    LIABILITY = "liability"  # 负债
    EQUITY = "equity"  # 所有者权益
    INCOME = "income"  # 收入
    EXPENSE = "expense"  # 费用

    @property
    def normal_side(self) -> Side:
        """The side on which a positive balance sits: assets and expenses are debit-normal."""
        if self in (AccountType.ASSET, AccountType.EXPENSE):
            return Side.DEBIT
        return Side.CREDIT


@dataclass(frozen=True, slots=True)
class Account:
    """One account of the chart; a row of the `account` table.

    `per_loan` accounts are always kept by loan (every posting names a loan id), because a
    borrower's statement and the write-off of one loan must read them loan by loan.
    """

    code: str
    name: str
    name_zh: str
    type: AccountType
    per_loan: bool = False

    @property
    def normal_side(self) -> Side:
        return self.type.normal_side

    def sub(self, loan_id: str | None) -> AccountKey:
        """The key of this account for one loan (or the whole account when `loan_id` is None)."""
        return AccountKey(self.code, loan_id)


@dataclass(frozen=True, slots=True)
class AccountKey:
    """Where a balance lives: an account code and, for a per-loan sub-account, the loan id."""

    code: str
    loan_id: str | None = None

    def sort_key(self) -> tuple[str, str]:
        return (self.code, self.loan_id or "")


class UnknownAccount(NotFound):
    pass


CASH = Account("1002", "Cash at bank", "银行存款", AccountType.ASSET)
PRINCIPAL_RECEIVABLE = Account(
    "1303", "Loan principal receivable", "贷款本金", AccountType.ASSET, per_loan=True
)
INTEREST_RECEIVABLE = Account(
    "113201", "Interest receivable", "应收利息", AccountType.ASSET, per_loan=True
)
PENALTY_RECEIVABLE = Account(
    "113202", "Penalty interest receivable", "应收罚息", AccountType.ASSET, per_loan=True
)
FEE_RECEIVABLE = Account("122101", "Fee receivable", "应收手续费", AccountType.ASSET, per_loan=True)
# Collective (stage 1/2) provisions are booked without a loan id, individual ones with it.
LOSS_ALLOWANCE = Account("1304", "Loan loss allowance", "贷款损失准备", AccountType.CONTRA_ASSET)
UNAPPLIED = Account(
    "224101",
    "Unapplied receipts (overpayments)",
    "暂收款（溢缴款）",
    AccountType.LIABILITY,
    per_loan=True,
)
PAYABLE_TO_BORROWER = Account(
    "224102", "Refunds payable to borrowers", "应付借款人退款", AccountType.LIABILITY, per_loan=True
)
RISK_RESERVE = Account("4102", "General risk reserve", "一般风险准备", AccountType.EQUITY)
RETAINED_EARNINGS = Account("4104", "Retained earnings", "未分配利润", AccountType.EQUITY)
INTEREST_INCOME = Account("601101", "Interest income", "利息收入", AccountType.INCOME)
PENALTY_INCOME = Account("601102", "Penalty interest income", "罚息收入", AccountType.INCOME)
FEE_INCOME = Account("6021", "Fee income", "手续费收入", AccountType.INCOME)
PROVISION_EXPENSE = Account(
    "670201", "Credit impairment loss: provisions", "信用减值损失—计提", AccountType.EXPENSE
)
# What a write-off costs beyond the allowance already held for the loan.
WRITE_OFF_LOSS = Account(
    "670202", "Credit impairment loss: write-offs", "信用减值损失—核销", AccountType.EXPENSE
)

CHART_OF_ACCOUNTS: tuple[Account, ...] = (
    CASH,
    PRINCIPAL_RECEIVABLE,
    INTEREST_RECEIVABLE,
    PENALTY_RECEIVABLE,
    FEE_RECEIVABLE,
    LOSS_ALLOWANCE,
    UNAPPLIED,
    PAYABLE_TO_BORROWER,
    RISK_RESERVE,
    RETAINED_EARNINGS,
    INTEREST_INCOME,
    PENALTY_INCOME,
    FEE_INCOME,
    PROVISION_EXPENSE,
    WRITE_OFF_LOSS,
)

_BY_CODE = {account.code: account for account in CHART_OF_ACCOUNTS}


def account_by_code(code: str) -> Account:
    """The account with this code; `UnknownAccount` (a `NotFound`) when the chart has none."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise UnknownAccount(f"no account with code {code!r} in the chart") from None
