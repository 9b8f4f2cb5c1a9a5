"""The base of the SQL stores a repository is composed of: the session of the caller's
transaction (a store never commits; the unit of work does) and an update-or-insert by key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

ACTIVE = "active"  # `loans.status` of a running loan, as servicing's look-ups filter it


class SessionStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _upsert(self, table: sa.Table, key: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        where = [table.c[k] == v for k, v in key.items()]
        moved = self.session.execute(table.update().where(*where).values(**values))
        if moved.rowcount == 0:  # type: ignore[attr-defined]
            self.session.execute(table.insert().values(**key, **values))
