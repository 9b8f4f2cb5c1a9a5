"""The chart holds every account the lender books to, each with a unique code, names in English
and Chinese, and the normal balance side its type implies."""

from __future__ import annotations

import pytest

from fengkong.core.errors import NotFound
from fengkong.ledger import accounts as coa
from fengkong.ledger.accounts import CHART_OF_ACCOUNTS, AccountKey, AccountType, Side

NORMAL = {
    AccountType.ASSET: Side.DEBIT,
    AccountType.EXPENSE: Side.DEBIT,
    AccountType.CONTRA_ASSET: Side.CREDIT,
    AccountType.LIABILITY: Side.CREDIT,
    AccountType.EQUITY: Side.CREDIT,
    AccountType.INCOME: Side.CREDIT,
}


def test_every_account_has_the_side_of_its_type() -> None:
    for account in CHART_OF_ACCOUNTS:
        assert account.normal_side is NORMAL[account.type], account
        assert account.name and account.name_zh


def test_codes_are_unique_and_looked_up() -> None:
    codes = [a.code for a in CHART_OF_ACCOUNTS]
    assert len(codes) == len(set(codes))
    for account in CHART_OF_ACCOUNTS:
        assert coa.account_by_code(account.code) is account
    with pytest.raises(NotFound):
        coa.account_by_code("9999")


def test_the_accounts_a_loan_book_needs_are_there() -> None:
    expected = {
        "CASH": AccountType.ASSET,
        "PRINCIPAL_RECEIVABLE": AccountType.ASSET,
        "INTEREST_RECEIVABLE": AccountType.ASSET,
        "FEE_RECEIVABLE": AccountType.ASSET,
        "PENALTY_RECEIVABLE": AccountType.ASSET,
        "INTEREST_INCOME": AccountType.INCOME,
        "FEE_INCOME": AccountType.INCOME,
        "PENALTY_INCOME": AccountType.INCOME,
        "LOSS_ALLOWANCE": AccountType.CONTRA_ASSET,
        "PROVISION_EXPENSE": AccountType.EXPENSE,
        "RISK_RESERVE": AccountType.EQUITY,
        "WRITE_OFF_LOSS": AccountType.EXPENSE,
        "UNAPPLIED": AccountType.LIABILITY,
        "PAYABLE_TO_BORROWER": AccountType.LIABILITY,
    }
    for name, account_type in expected.items():
        account = getattr(coa, name)
        assert account in CHART_OF_ACCOUNTS
        assert account.type is account_type


def test_a_per_loan_sub_account_is_code_and_loan() -> None:
    assert coa.PRINCIPAL_RECEIVABLE.sub("loan_7") == AccountKey("1303", "loan_7")
    assert coa.PRINCIPAL_RECEIVABLE.per_loan and not coa.CASH.per_loan
