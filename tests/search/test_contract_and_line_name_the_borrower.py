"""The loan contract names the borrower by masked name and resident ID number beside the
application, never in clear; a credit line opened on an approved application has that
applicant as its borrower, and one on an application not approved, unknown, or for more than
the approved amount is refused with nothing stored. SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from factories import body, risky_body
from fengkong.bootstrap import Context
from fengkong.core.errors import Conflict, Invalid, NotFound
from fengkong.lending.contract import TEMPLATE_VERSION
from fengkong.lending.credit_lines import open_line
from fengkong.lending.errors import NotApproved
from fengkong.lending.origination import accept_offer
from search.book import PEOPLE, apply_as


def test_the_contract_names_the_borrower_masked(context: Context) -> None:
    name, id_number, phone = PEOPLE["zhang"]
    decision = apply_as(context, "zhang", body())
    assert decision.outcome.value == "approve"
    view = accept_offer(decision.application_id, "acc-1", context.lending)
    contract = view.contract
    assert contract is not None and contract.template_version == TEMPLATE_VERSION
    masked_id = id_number[:3] + "*" * 11 + id_number[-4:]
    assert "借款人 / Borrower: 张*，" in contract.text
    assert masked_id in contract.text
    assert decision.application_id in contract.text
    for clear in (name, id_number, phone):
        assert clear not in contract.text


def _lines(context: Context) -> int:
    with context.db.engine.connect() as conn:
        return int(conn.execute(sa.text("select count(*) from credit_lines")).scalar_one())


def test_a_line_is_opened_only_on_an_approved_application(context: Context) -> None:
    approved = apply_as(context, "zhao", body())
    declined = apply_as(context, "wang", risky_body())
    assert (approved.outcome.value, declined.outcome.value) == ("approve", "decline")
    svc = context.lending
    rate = Decimal("0.18")
    with pytest.raises(NotApproved):
        open_line(100_000, rate, "l1", svc, application_id=declined.application_id)
    with pytest.raises(NotFound):
        open_line(100_000, rate, "l2", svc, application_id="app_unknown")
    with pytest.raises(Invalid) as over:
        open_line(
            approved.approved_amount + 1, rate, "l3", svc, application_id=approved.application_id
        )
    assert over.value.errors[0].loc == ("limit",)
    assert _lines(context) == 0

    line = open_line(100_000, rate, "l4", svc, application_id=approved.application_id)
    with context.uow() as uow:
        record = uow.lending.get_line(line.line_id)
    assert record is not None and record.application_id == approved.application_id
    # the same key for another application is another request
    with pytest.raises(Conflict, match="already used differently"):
        open_line(100_000, rate, "l4", svc)
    assert _lines(context) == 1
