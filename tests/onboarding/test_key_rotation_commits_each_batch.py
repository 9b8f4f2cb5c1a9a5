"""Key rotation as a use case over fakes: each batch of rows is one committed transaction with
one audit record, a row someone changed since it was read is left alone, a token that does not
verify rolls its batch back, and a stopped run resumes where it stopped."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

import pytest

from fengkong.core.clock import FakeClock
from fengkong.core.errors import IntegrityBroken
from fengkong.onboarding.key_rotation import (
    RowKey,
    SealedRow,
    SealedTable,
    key_usage,
    next_key_id,
    record_key_event,
    reencrypt_all,
)
from fengkong.onboarding.vault import KEY_BYTES, Vault, generate_keyring

OLD = generate_keyring("k1")
NEW = OLD.with_active_key(next_key_id(OLD), bytes(range(KEY_BYTES)))
PEOPLE = SealedTable("people", ("name", "phone"))


class FakePersonalData:
    """Rows of sealed tokens by table and key; writes land in `pending` until committed."""

    def __init__(self, rows: dict[RowKey, dict[str, str | None]]) -> None:
        self.committed = rows
        self.pending: dict[RowKey, dict[str, str | None]] = {}
        self.changed_behind_our_back: set[RowKey] = set()

    def sealed_tables(self) -> tuple[SealedTable, ...]:
        return (PEOPLE,)

    def stale_rows(
        self, table: SealedTable, current_prefix: str, *, after: RowKey | None, limit: int
    ) -> Sequence[SealedRow]:
        stale = [
            SealedRow(key, dict(tokens))
            for key, tokens in sorted(self.committed.items())
            if (after is None or key > after)
            and any(t is not None and not t.startswith(current_prefix) for t in tokens.values())
        ]
        return stale[:limit]

    def replace_tokens(self, table: SealedTable, row: SealedRow, tokens: Mapping[str, str]) -> bool:
        if row.key in self.changed_behind_our_back:
            return False
        self.pending[row.key] = {**self.committed[row.key], **tokens}
        return True

    def all_tokens(self) -> Iterator[str]:
        for tokens in self.committed.values():
            yield from (t for t in tokens.values() if t is not None)


class FakeAudit:
    def __init__(self) -> None:
        self.committed: list[tuple[str, str, Mapping[str, object]]] = []
        self.pending: list[tuple[str, str, Mapping[str, object]]] = []

    def append(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        subject_type: str,
        subject_id: str,
        payload: Mapping[str, object] | None = None,
    ) -> None:
        self.pending.append((action, subject_id, payload or {}))


class FakeUnitOfWork:
    def __init__(self, personal_data: FakePersonalData) -> None:
        self.personal_data = personal_data
        self.audit = FakeAudit()
        self.commits = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.personal_data.pending.clear()  # leaving without commit rolls back
        self.audit.pending.clear()

    def commit(self) -> None:
        self.personal_data.committed.update(self.personal_data.pending)
        self.audit.committed.extend(self.audit.pending)
        self.personal_data.pending.clear()
        self.audit.pending.clear()
        self.commits += 1


def people(n: int) -> dict[RowKey, dict[str, str | None]]:
    vault = Vault(OLD)
    return {
        (i,): {
            "name": vault.encrypt("name", f"person {i}"),
            "phone": None if i % 2 else vault.encrypt("phone", f"1380000{i:04d}"),
        }
        for i in range(n)
    }


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))


def test_each_batch_commits_once_with_its_audit_record(clock: FakeClock) -> None:
    uow = FakeUnitOfWork(FakePersonalData(people(7)))
    report = reencrypt_all(uow, Vault(NEW), clock=clock, actor="test", batch_size=3)
    assert (report.batches, report.rows_updated, report.tokens_reencrypted) == (3, 7, 11)
    assert uow.commits == 3
    assert [a[0] for a in uow.audit.committed] == ["vault.reencrypted"] * 3
    assert [a[2]["rows"] for a in uow.audit.committed] == [3, 3, 1]
    assert key_usage(uow) == {"k2": 11}
    names = Vault(NEW.without_key("k1"))
    assert names.decrypt("name", uow.personal_data.committed[(6,)]["name"] or "") == "person 6"


def test_a_stopped_run_resumes_and_a_finished_one_does_nothing(clock: FakeClock) -> None:
    uow = FakeUnitOfWork(FakePersonalData(people(5)))
    first = reencrypt_all(uow, Vault(NEW), clock=clock, actor="test", batch_size=2, max_batches=1)
    assert first.rows_updated == 2 and key_usage(uow) == {"k1": 5, "k2": 3}
    rest = reencrypt_all(uow, Vault(NEW), clock=clock, actor="test", batch_size=2)
    assert rest.rows_scanned == 3 and key_usage(uow) == {"k2": 8}
    again = reencrypt_all(uow, Vault(NEW), clock=clock, actor="test")
    assert (again.rows_scanned, again.batches) == (0, 0)


def test_a_row_changed_since_it_was_read_is_left_for_the_next_run(clock: FakeClock) -> None:
    store = FakePersonalData(people(3))
    store.changed_behind_our_back.add((1,))
    uow = FakeUnitOfWork(store)
    report = reencrypt_all(uow, Vault(NEW), clock=clock, actor="test")
    assert report.rows_updated == 2 and store.committed[(1,)]["name"].startswith("v1:k1:")  # type: ignore[union-attr]


def test_a_token_that_does_not_verify_rolls_its_batch_back(clock: FakeClock) -> None:
    store = FakePersonalData(people(4))
    store.committed[(2,)]["name"] = store.committed[(0,)]["name"].replace("v1:k1:", "v1:k1:A")  # type: ignore[union-attr]
    before = {k: dict(v) for k, v in store.committed.items()}
    uow = FakeUnitOfWork(store)
    with pytest.raises(IntegrityBroken):
        reencrypt_all(uow, Vault(NEW), clock=clock, actor="test", batch_size=10)
    assert store.committed == before and uow.commits == 0 and uow.audit.committed == []


def test_a_key_file_event_is_audited_and_committed(clock: FakeClock) -> None:
    uow = FakeUnitOfWork(FakePersonalData({}))
    record_key_event(uow, "vault.key_added", {"key_id": "k2"}, actor="cli:ops", clock=clock)
    assert uow.commits == 1 and uow.audit.committed == [
        ("vault.key_added", "vault", {"key_id": "k2"})
    ]
