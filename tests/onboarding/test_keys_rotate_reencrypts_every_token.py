"""Key rotation over a real database (SQLite and PostgreSQL): data written before decrypts
after, every token carries the new key id, blind indexes are unchanged, an interrupted run
resumes, and each batch is audited."""

import random
from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa

from fengkong.audit.verify import verify
from fengkong.core.clock import FakeClock
from fengkong.core.money import Fen
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.db.personal_data import SqlKeyRotationUnitOfWork
from fengkong.db.uow import SqlUnitOfWork
from fengkong.onboarding.application import Applicant, ApplicationRequest, seal
from fengkong.onboarding.key_rotation import key_usage, next_key_id, reencrypt_all
from fengkong.onboarding.vault import KEY_BYTES, Vault, generate_keyring
from fengkong.sim.identity import identity

OLD = generate_keyring("k1")
NEW = OLD.with_active_key(next_key_id(OLD), bytes(range(KEY_BYTES)))


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    upgrade(database)
    yield database
    database.dispose()


def store_applications(db: Database, clock: FakeClock, n: int) -> list[tuple[str, str, str, str]]:
    rng = random.Random(7)
    vault = Vault(OLD)
    people = []
    with SqlUnitOfWork(db) as uow:
        for i in range(n):
            who = identity(30 + i % 30, date(2026, 3, 1), rng)
            req = ApplicationRequest(
                "cash_loan",
                Fen(100_000),
                12,
                "car",
                Fen(800_000),
                Applicant(who.name, who.id_number, who.phone, who.birth_date),
                {},
            )
            app_id = f"app_{i:04d}"
            uow.applications.add(seal(app_id, clock.now(), req, vault))
            people.append((app_id, who.name, who.id_number, who.phone))
        uow.commit()
    return people


def rows(db: Database) -> dict[str, sa.Row[tuple[object, ...]]]:
    with db.engine.connect() as conn:
        result = conn.execute(
            sa.text(
                "select id, name_enc, id_number_enc, phone_enc, id_number_bidx, phone_bidx "
                "from applications"
            )
        )
        return {r.id: r for r in result}


def test_rotation_moves_every_token_and_keeps_values(db: Database, clock: FakeClock) -> None:
    people = store_applications(db, clock, 23)
    before = rows(db)
    assert next_key_id(OLD) == "k2"
    vault = Vault(NEW)

    partial = reencrypt_all(
        SqlKeyRotationUnitOfWork(db), vault, clock=clock, actor="test", batch_size=5, max_batches=2
    )
    assert partial.rows_updated == 10 and partial.tokens_reencrypted == 30
    assert key_usage(SqlKeyRotationUnitOfWork(db)) == {"k1": 13 * 3, "k2": 10 * 3}

    rest = reencrypt_all(
        SqlKeyRotationUnitOfWork(db), vault, clock=clock, actor="test", batch_size=5
    )
    assert rest.rows_updated == 13 and rest.rows_scanned == 13
    assert key_usage(SqlKeyRotationUnitOfWork(db)) == {"k2": 23 * 3}

    after = rows(db)
    retired = Vault(NEW.without_key("k1"))
    for app_id, name, id_number, phone in people:
        row = after[app_id]
        for column in ("name_enc", "id_number_enc", "phone_enc"):
            assert getattr(row, column).startswith("v1:k2:")
            assert getattr(row, column) != getattr(before[app_id], column)
        assert retired.decrypt("name", row.name_enc) == name
        assert retired.decrypt("id_number", row.id_number_enc) == id_number
        assert retired.decrypt("phone", row.phone_enc) == phone
        assert row.id_number_bidx == before[app_id].id_number_bidx
        assert row.phone_bidx == before[app_id].phone_bidx

    again = reencrypt_all(SqlKeyRotationUnitOfWork(db), vault, clock=clock, actor="test")
    assert (again.rows_scanned, again.tokens_reencrypted) == (0, 0)

    with SqlUnitOfWork(db) as uow:
        trail = uow.audit.for_subject("table", "applications")
        assert [a.action for a in trail] == ["vault.reencrypted"] * 5
        assert sum(int(a.payload["tokens"]) for a in trail) == 69  # type: ignore[call-overload]
        assert verify(uow.audit.stream(), head=uow.audit.head()) == ()


def test_a_tampered_token_stops_the_batch_and_changes_nothing(
    db: Database, clock: FakeClock
) -> None:
    store_applications(db, clock, 4)
    with db.engine.begin() as conn:
        conn.execute(sa.text("update applications set phone_enc = name_enc where id = 'app_0002'"))
    before = rows(db)
    with pytest.raises(Exception, match="does not verify"):
        reencrypt_all(
            SqlKeyRotationUnitOfWork(db), Vault(NEW), clock=clock, actor="test", batch_size=10
        )
    assert rows(db) == before
