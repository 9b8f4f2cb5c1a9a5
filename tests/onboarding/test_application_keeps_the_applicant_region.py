"""An application keeps its applicant's region: the province code its resident ID begins with,
named in Chinese and English for every code the ID validator accepts; stored and read back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fengkong.core.money import Fen
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.db.uow import SqlUnitOfWork
from fengkong.onboarding.application import Applicant, ApplicationRequest, seal
from fengkong.onboarding.region import REGIONS, region_name, region_of_id_number
from fengkong.onboarding.validators import PROVINCE_CODES
from fengkong.onboarding.vault import Vault, generate_keyring


def test_every_province_code_has_a_name() -> None:
    assert set(REGIONS) == PROVINCE_CODES
    assert (region_name("44"), region_name("44", "zh"), region_name("unknown")) == (
        "Guangdong",
        "广东",
        "unknown",
    )
    assert region_of_id_number("110105199003071239") == "11"
    assert region_of_id_number("990105199003071239") is None


def test_onboarding_stores_the_region_of_the_id(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'r.db'}")
    upgrade(db)
    vault = Vault(generate_keyring())
    req = ApplicationRequest(
        "cash_loan",
        Fen(100_000),
        12,
        "car",
        Fen(800_000),
        Applicant("张三", "440305199003071234", "13800138000", datetime(1990, 3, 7).date()),
        {},
    )
    with SqlUnitOfWork(db) as uow:
        uow.applications.add(seal("app_1", datetime(2026, 3, 2, tzinfo=UTC), req, vault))
        uow.commit()
    with SqlUnitOfWork(db) as uow:
        stored = uow.applications.get("app_1")
    assert stored is not None and stored.region == "44"
    db.dispose()
