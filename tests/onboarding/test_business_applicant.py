"""A business applicant: every field validated, every bad one refused with its path, all at
once; owners' shares never above the whole; sealed for storage with no clear personal data."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from business_factories import (
    APPLICANT_ID,
    GUARANTOR_ID,
    PARTNER_ID,
    domain_block,
    resident_id,
    uscc,
)
from fengkong.core.errors import Invalid
from fengkong.core.money import Fen
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.db.uow import SqlUnitOfWork
from fengkong.onboarding.application import Applicant, ApplicationRequest, seal
from fengkong.onboarding.business import (
    ALL_SHARES_BP,
    GuarantorKind,
    validate_business,
)
from fengkong.onboarding.business_view import masked_business
from fengkong.onboarding.vault import Vault, generate_keyring

AS_OF = date(2026, 12, 7)


def _paths(raw: dict[str, Any], applicant: str | None = APPLICANT_ID) -> list[str]:
    with pytest.raises(Invalid) as refused:
        validate_business(raw, AS_OF, applicant_id_number=applicant)
    return [".".join(map(str, e.loc)) for e in refused.value.errors]


def test_a_valid_business_is_normalized() -> None:
    business = validate_business(
        domain_block(industry="h", uscc=" " + uscc().lower() + " "),
        AS_OF,
        applicant_id_number=APPLICANT_ID,
    )
    assert business.uscc == uscc()
    assert business.industry == "H"
    assert business.region == "33"  # the province of the code's registration region
    assert business.years_in_operation == 6
    assert business.annual_revenue == 360_000_000
    assert [o.share_bp for o in business.owners] == [6000, 4000]
    assert [g.kind for g in business.guarantors] == [GuarantorKind.PERSON, GuarantorKind.COMPANY]
    assert "张三" not in repr(business) and APPLICANT_ID not in repr(business)


def test_years_come_from_the_established_date() -> None:
    raw = domain_block(established_on="2019-12-08")
    del raw["years_in_operation"]
    business = validate_business(raw, AS_OF, applicant_id_number=APPLICANT_ID)
    assert (business.years_in_operation, business.established_on) == (6, date(2019, 12, 8))
    assert _paths({**raw, "years_in_operation": 3}) == ["business.years_in_operation"]


def test_every_bad_field_is_refused_with_its_path_all_at_once() -> None:
    raw = domain_block(
        uscc="91330106MA2B3C4D5X",
        registered_name="",
        industry="C13",
        region="99",
        years_in_operation=-1,
        annual_revenue_fen="lots",
        owners=[
            {"name": "张三", "id_number": APPLICANT_ID, "phone": "13800138000", "share_bp": 6000},
            {"name": "李四", "id_number": PARTNER_ID[:-1] + "0", "phone": "12", "share_bp": 0},
        ],
        guarantors=[
            {"kind": "person", "name": "", "id_number": GUARANTOR_ID, "phone": "13700137000"},
            {"kind": "company", "name": "某公司", "uscc": "123"},
            {"kind": "bank"},
        ],
    )
    assert sorted(_paths(raw)) == sorted(
        [
            "business.uscc",
            "business.registered_name",
            "business.industry",
            "business.region",
            "business.years_in_operation",
            "business.annual_revenue_fen",
            "business.owners.1.id_number",
            "business.owners.1.phone",
            "business.owners.1.share_bp",
            "business.guarantors.0.name",
            "business.guarantors.1.uscc",
            "business.guarantors.2.kind",
        ]
    )


def test_required_fields_are_named() -> None:
    assert sorted(_paths({})) == sorted(
        [
            "business.uscc",
            "business.registered_name",
            "business.industry",
            "business.years_in_operation",
            "business.annual_revenue_fen",
            "business.owners",
        ]
    )


def test_the_applicant_must_be_an_owner_and_owners_are_distinct() -> None:
    owners = domain_block()["owners"]
    assert _paths(domain_block(owners=owners[1:])) == ["business.owners"]
    twice = [owners[0], {**owners[0], "share_bp": 100}]
    assert _paths(domain_block(owners=twice)) == ["business.owners.1.id_number"]
    # With the applicant itself refused, no owner can be matched with it: not reported twice.
    validate_business(domain_block(owners=owners[1:]), AS_OF, applicant_id_number=None)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=ALL_SHARES_BP), min_size=1, max_size=6))
def test_owners_shares_never_exceed_the_whole(shares: list[int]) -> None:
    people = [
        ("张三", APPLICANT_ID),
        ("李四", PARTNER_ID),
        ("王五", GUARANTOR_ID),
        ("赵六", resident_id("11010119800101005")),
        ("钱七", resident_id("11010119800101003")),
        ("孙八", resident_id("11010119800101001")),
    ]
    owners = [
        {"name": n, "id_number": i, "phone": "13800138000", "share_bp": s}
        for (n, i), s in zip(people, shares, strict=False)
    ]
    raw = domain_block(owners=owners)
    if sum(shares) <= ALL_SHARES_BP:
        business = validate_business(raw, AS_OF, applicant_id_number=APPLICANT_ID)
        assert business.owners_share_bp == sum(shares)
    else:
        assert _paths(raw) == ["business.owners"]


def test_sealed_business_keeps_no_clear_personal_data(tmp_path: Path) -> None:
    file = tmp_path / "b.db"
    db = Database(f"sqlite:///{file}")
    upgrade(db)
    vault = Vault(generate_keyring())
    business = validate_business(domain_block(), AS_OF, applicant_id_number=APPLICANT_ID)
    req = ApplicationRequest(
        "business_loan",
        Fen(20_000_000),
        12,
        "business",
        Fen(6_000_000),
        Applicant("张三", APPLICANT_ID, "13800138000", date(1990, 3, 7)),
        {},
        business=business,
    )
    with SqlUnitOfWork(db) as uow:
        uow.applications.add(seal("app_b1", datetime(2026, 12, 7, tzinfo=UTC), req, vault))
        uow.commit()
    with SqlUnitOfWork(db) as uow:
        stored = uow.applications.get("app_b1")
    with db.engine.connect() as conn:
        row = conn.execute(sa.text("select * from application_businesses")).one()
    db.dispose()
    assert stored is not None and stored.business is not None
    assert (stored.region, stored.industry) == ("33", "H")  # the book counts the business's
    assert stored.business.uscc_bidx == vault.blind_index("uscc", uscc())
    shown = masked_business(stored.business, vault)
    assert [o.share_bp for o in shown.owners] == [6000, 4000]
    assert shown.owners[1].id_number == PARTNER_ID[:3] + "*" * 11 + PARTNER_ID[-4:]
    assert shown.owners[1].name == "李*"
    assert shown.guarantors[1].uscc is not None and "*" in shown.guarantors[1].uscc
    clear = [uscc(), "张记餐饮", "李四", PARTNER_ID, GUARANTOR_ID, "13900139000", "王五"]
    text = repr(tuple(row))
    raw = file.read_bytes()
    for value in clear:
        assert value not in text
        assert value.encode() not in raw


def test_key_rotation_reencrypts_the_business_and_its_parties(tmp_path: Path) -> None:
    from fengkong.core.clock import FakeClock
    from fengkong.db.personal_data import SqlKeyRotationUnitOfWork
    from fengkong.onboarding.key_rotation import key_usage, next_key_id, reencrypt_all
    from fengkong.onboarding.vault import KEY_BYTES

    old = generate_keyring("k1")
    new = old.with_active_key(next_key_id(old), bytes(range(KEY_BYTES)))
    db = Database(f"sqlite:///{tmp_path / 'k.db'}")
    upgrade(db)
    business = validate_business(domain_block(), AS_OF, applicant_id_number=APPLICANT_ID)
    req = ApplicationRequest(
        "business_loan",
        Fen(20_000_000),
        12,
        "business",
        Fen(6_000_000),
        Applicant("张三", APPLICANT_ID, "13800138000", date(1990, 3, 7)),
        {},
        business=business,
    )
    clock = FakeClock(datetime(2026, 12, 7, 9, tzinfo=UTC))
    with SqlUnitOfWork(db) as uow:
        uow.applications.add(seal("app_k1", clock.now(), req, Vault(old)))
        uow.commit()
    reencrypt_all(SqlKeyRotationUnitOfWork(db), Vault(new), clock=clock, actor="test")
    assert set(key_usage(SqlKeyRotationUnitOfWork(db))) == {"k2"}
    retired = Vault(new.without_key("k1"))
    with SqlUnitOfWork(db) as uow:
        stored = uow.applications.get("app_k1")
    db.dispose()
    assert stored is not None and stored.business is not None
    shown = masked_business(stored.business, retired)  # decrypts every token with the new key
    assert [o.name for o in shown.owners] == ["张*", "李*"]
    assert shown.guarantors[1].name.endswith("****")
