"""Hypothesis strategies for credit-bureau reports: any report these draw is one `read` accepts
when it is about `SUBJECT` and read as of a day no earlier than its report date."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.sources.bureau import (
    STATUS_CHARACTERS,
    AccountStatus,
    AccountType,
    BureauAccount,
    BureauReport,
    Enquiry,
    EnquiryReason,
    PublicRecord,
    PublicRecordKind,
)
from fengkong.sources.connector import Subject

NAME = "张伟"
ID_NUMBER = "11010519491231002X"
SUBJECT = Subject(key="blind-index", name=NAME, id_number=ID_NUMBER)
LENDER = st.sampled_from(("招商银行", "中国银行", "微众银行", "马上消费金融", "Citibank China"))
AMOUNT = st.integers(min_value=0, max_value=10**12).map(Fen)


def _day_before(draw: st.DrawFn, last: date, days: int = 4000) -> date:
    return last - timedelta(days=draw(st.integers(min_value=0, max_value=days)))


@st.composite
def accounts(draw: st.DrawFn, report_date: date) -> BureauAccount:
    opened = _day_before(draw, report_date)
    status = draw(st.sampled_from(AccountStatus))
    closed = (
        opened + timedelta(days=draw(st.integers(0, (report_date - opened).days)))
        if status is AccountStatus.CLOSED and draw(st.booleans())
        else None
    )
    back = draw(st.integers(min_value=0, max_value=30))
    index = report_date.year * 12 + report_date.month - 1 - back
    return BureauAccount(
        lender=draw(LENDER),
        type=draw(st.sampled_from(AccountType)),
        opened=opened,
        amount=draw(AMOUNT),
        balance=draw(AMOUNT),
        status=status,
        history=draw(st.text(alphabet=sorted(STATUS_CHARACTERS), min_size=1, max_size=24)),
        history_month=date(index // 12, index % 12 + 1, 1),
        closed=closed,
    )


@st.composite
def reports(draw: st.DrawFn, max_accounts: int = 8) -> BureauReport:
    report_date = draw(st.dates(min_value=date(2005, 1, 1), max_value=date(2035, 12, 31)))
    return BureauReport(
        name=NAME,
        id_number=ID_NUMBER,
        report_date=report_date,
        accounts=tuple(draw(st.lists(accounts(report_date), max_size=max_accounts))),
        enquiries=tuple(
            draw(
                st.lists(
                    st.builds(
                        Enquiry,
                        st.dates(
                            min_value=report_date - timedelta(days=800), max_value=report_date
                        ),
                        LENDER,
                        st.sampled_from(EnquiryReason),
                    ),
                    max_size=12,
                )
            )
        ),
        public_records=tuple(
            draw(
                st.lists(
                    st.builds(
                        PublicRecord,
                        st.sampled_from(PublicRecordKind),
                        st.dates(max_value=report_date),
                        st.none() | AMOUNT,
                        st.none() | st.just("人民法院"),
                    ),
                    max_size=2,
                )
            )
        ),
    )
