"""Units of work appending to the audit chain at the same time never fork it: on PostgreSQL the
server numbers and hashes each unit's records under the head's lock (`audit_append`), on SQLite
the write lock serialises them; either way the chain verifies whole, every record in it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from fengkong.audit.verify import verify
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.db.uow import SqlUnitOfWork

WRITERS = 4
UNITS = 12  # per writer, each appending two records


def test_concurrent_units_of_work_keep_one_chain(database_url: str) -> None:
    db = Database(database_url)
    upgrade(db)
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            barrier.wait()
            for unit in range(UNITS):
                with SqlUnitOfWork(db) as uow:
                    for part in ("first", "second"):
                        uow.audit.append(
                            at=at,
                            actor=f"writer_{writer}",
                            action=f"test.{part}",
                            subject_type="unit",
                            subject_id=f"{writer}-{unit}",
                            payload={"writer": writer, "unit": unit, "说明": "并发"},
                        )
                    uow.commit()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors, errors
        with SqlUnitOfWork(db) as uow:
            records = list(uow.audit.stream())
            head = uow.audit.head()
        assert verify(records, head=head) == ()
        assert head.seq == len(records) == WRITERS * UNITS * 2
        # A unit's two records are adjacent: no other writer got between them.
        for first, second in zip(records[::2], records[1::2], strict=True):
            assert (first.action, second.action) == ("test.first", "test.second")
            assert first.subject_id == second.subject_id
    finally:
        db.dispose()
