"""Guarantees: a guarantor and a 联保 group on a loan; past the configured DPD each live guarantee
is called for its part of overdue × share (the group's part split to the fen), audited and
notified; the exposure follows the outstanding; a guarantor payment goes through the normal
repayment path once, whatever the retries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.lending.guarantee import (
    add_group_guarantee,
    add_guarantee,
    create_group,
    guarantees_for_loan,
    guarantor_exposure,
    pay_as_guarantor,
    register_guarantor,
)
from fengkong.lending.guarantee_rules import (
    Guarantee,
    GuaranteeStatus,
    GuarantorIdentity,
    GuarantorKind,
    guaranteed_parts,
)
from fengkong.lending.servicing import ServicingConfig, overdue_amount
from lending.test_collections_support import (
    Recorder,
    audit_actions,
    disbursed_loan,
    first_due,
    live,
    loan,
    person,
    servicing,
)
from lending.test_service_support import assert_books_balance, migrated, new_clock


@given(
    amount=st.integers(min_value=0, max_value=10**9),
    share=st.decimals(min_value=Decimal("0.01"), max_value=1, places=2),
    members=st.integers(min_value=1, max_value=7),
)
def test_a_group_part_sums_to_its_share(amount: int, share: Decimal, members: int) -> None:
    group = [Guarantee(f"g{k}", "L", f"p{k}", share, group_id="G") for k in range(members)]
    parts = guaranteed_parts(amount, group)
    from fengkong.core.money import HALF_UP, to_fen

    assert sum(parts.values()) == to_fen(amount * share, HALF_UP)
    assert max(parts.values()) - min(parts.values()) <= 1


def test_called_exposed_and_paid(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    channel = Recorder()
    svc = servicing(db, clock, channel=channel, config=ServicingConfig(guarantee_call_dpd=5))
    loan_id = disbursed_loan(db, clock, svc)
    name, id_number, phone = person(7)
    solo = register_guarantor(
        GuarantorIdentity(GuarantorKind.INDIVIDUAL, name, id_number, phone), svc
    )
    assert (
        register_guarantor(GuarantorIdentity(GuarantorKind.INDIVIDUAL, name, id_number, None), svc)
        == solo
    )
    assert id_number not in repr(solo) and phone not in repr(solo)
    members = [
        register_guarantor(GuarantorIdentity(GuarantorKind.INDIVIDUAL, *person(20 + k)), svc)
        for k in range(3)
    ]
    group = create_group("village group", [m.guarantor_id for m in members], svc)
    add_guarantee(loan_id, solo.guarantor_id, Decimal("0.5"), svc)
    joint = add_group_guarantee(
        loan_id, group.group_id, Decimal("1"), svc, borrower_member=members[0].guarantor_id
    )
    assert len(joint) == 2  # the borrower does not guarantee their own loan

    exposure = guarantor_exposure(solo.guarantor_id, svc)
    outstanding = loan(db, loan_id).state.outstanding.total
    assert exposure.total == Fen(outstanding // 2) or abs(exposure.total - outstanding / 2) <= 1

    due = first_due(db, loan_id)
    live(svc, clock, due - timedelta(days=1), due + timedelta(days=5))
    record = loan(db, loan_id)
    assert record.days_past_due == 5
    overdue = overdue_amount(record.state, due + timedelta(days=5))
    called = {g.guarantor_id: g for g in guarantees_for_loan(loan_id, svc)}
    assert all(g.status is GuaranteeStatus.CALLED for g in called.values())
    assert abs(called[solo.guarantor_id].amount_called - overdue / 2) <= 1
    assert sum(called[m.guarantor_id].amount_called for m in members[1:]) == overdue
    assert audit_actions(db, loan_id).count("guarantee.called") == 3
    assert sum(1 for _, kind in channel.kinds() if kind == "guarantee_called") == 3
    # a further day calls nobody again
    live(svc, clock, due + timedelta(days=6), due + timedelta(days=6))
    assert audit_actions(db, loan_id).count("guarantee.called") == 3

    gte = called[solo.guarantor_id]
    paid = pay_as_guarantor(gte.guarantee_id, int(gte.amount_called), "gp-1", svc)
    again = pay_as_guarantor(gte.guarantee_id, int(gte.amount_called), "gp-1", svc)
    assert again.repayment.repayment_id == paid.repayment.repayment_id
    assert again.amount_paid == paid.amount_paid == gte.amount_called
    assert audit_actions(db, loan_id).count("guarantee.paid") == 1
    assert_books_balance(db)
