"""A bulk import (`fengkong lists import`) survives SIGKILL: a process importing a large list
file is killed once the file is read and checked, once the rows and their audit records are
written but not committed, and once they are committed but before it reported; each time the
import is simply run again. The database then holds what one uninterrupted import leaves: every
entry once (none lost, none twice: the last run rejects every row as already listed), the same
audit records, the chain verified. On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from integration.crash_support import (
    another_database,
    audit_trail,
    books_verify,
    driver,
    finished,
    killed,
    snapshot,
)

pytestmark = pytest.mark.slow

ROWS = 2000


def _csv(path: Path) -> Path:
    lines = ["list,key_type,value,reason,source,expires_at"]
    for k in range(ROWS):
        if k % 2:
            lines.append(f"black,mobile,139{k:08d},confirmed fraud,case {k},")
        else:
            lines.append(f"grey,device,dev-{k:06d},shared device,ring {k % 17},")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _hashes(table: str, column: str) -> bool:
    # An entry's id is random and audited, so the audit hashes chain over different payloads:
    # the records are compared as content (ids blanked) and the chain checked by the verifier.
    return (table, column) in {
        ("audit_log", "prev_hash"),
        ("audit_log", "hash"),
        ("audit_head", "hash"),
    }


def test_a_list_import_killed_three_ways_ends_as_one_import(
    database_url: str, tmp_path: Path
) -> None:
    home, csv = tmp_path / "home", _csv(tmp_path / "list.csv")
    with another_database(database_url, tmp_path, "control") as control_url:
        dbs = [Database(url) for url in (database_url, control_url)]
        try:
            for db in dbs:
                upgrade(db)
            out = finished(driver(home, control_url, "import", str(csv)))
            assert f"accepted={ROWS} rejected=0" in out

            for where in ("parsed", "written", "committed"):
                killed(driver(home, database_url, "import", str(csv), "--kill", where))
            out = finished(driver(home, database_url, "import", str(csv)))
            assert f"accepted=0 rejected={ROWS}" in out  # the killed-after-commit run holds

            crash, control = dbs
            assert books_verify(crash) == books_verify(control)
            assert audit_trail(crash) == audit_trail(control)
            want: dict[str, Any] = snapshot(control_url, _hashes)
            assert len(want["fraud_list_entries"]) == ROWS
            assert snapshot(database_url, _hashes) == want
        finally:
            for db in dbs:
                db.dispose()
