"""The sealed personal data, as key rotation pages through it (`onboarding.key_rotation`): every
table with `<field>_enc` columns in the registered metadata, read by primary key and updated
only where the tokens are still those read."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Self

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fengkong.core.errors import Conflict
from fengkong.db.tables import load_all_tables
from fengkong.db.uow import SqlUnitOfWork
from fengkong.onboarding.key_rotation import RowKey, SealedRow, SealedTable

ENC_SUFFIX = "_enc"


class SqlPersonalData:
    """`onboarding.key_rotation.PersonalDataStore` over the session's database."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._tables: dict[str, sa.Table] = {}

    def sealed_tables(self) -> tuple[SealedTable, ...]:
        present = set(sa.inspect(self._session.connection()).get_table_names())
        found = []
        for table in load_all_tables().sorted_tables:
            columns = [c.name for c in table.columns if c.name.endswith(ENC_SUFFIX)]
            if not columns or table.name not in present:
                continue
            if not table.primary_key.columns:
                raise Conflict(
                    f"table {table.name} has no primary key: cannot rotate it in batches"
                )
            self._tables[table.name] = table
            found.append(SealedTable(table.name, tuple(c[: -len(ENC_SUFFIX)] for c in columns)))
        return tuple(found)

    def stale_rows(
        self, table: SealedTable, current_prefix: str, *, after: RowKey | None, limit: int
    ) -> Sequence[SealedRow]:
        t = self._table(table)
        pk = tuple(t.primary_key.columns)
        columns = [t.c[f + ENC_SUFFIX] for f in table.fields]
        pattern = _escape_like(current_prefix) + "%"
        stale = sa.or_(
            *(sa.and_(c.is_not(None), sa.not_(c.like(pattern, escape="\\"))) for c in columns)
        )
        query = sa.select(*pk, *columns).where(stale)
        if after is not None:
            query = query.where(sa.tuple_(*pk) > sa.tuple_(*after))
        query = query.order_by(*pk).limit(limit)
        return [
            SealedRow(tuple(row[: len(pk)]), dict(zip(table.fields, row[len(pk) :], strict=True)))
            for row in self._session.execute(query)
        ]

    def replace_tokens(self, table: SealedTable, row: SealedRow, tokens: Mapping[str, str]) -> bool:
        t = self._table(table)
        pk = tuple(t.primary_key.columns)
        done = self._session.execute(
            sa.update(t)
            .where(*(col == v for col, v in zip(pk, row.key, strict=True)))
            # Only if nobody changed the row since it was read.
            .where(*(t.c[f + ENC_SUFFIX] == row.tokens[f] for f in tokens))
            .values({f + ENC_SUFFIX: token for f, token in tokens.items()})
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    def all_tokens(self) -> Iterator[str]:
        for table in self.sealed_tables():
            t = self._table(table)
            for field in table.fields:
                column = t.c[field + ENC_SUFFIX]
                for (token,) in self._session.execute(sa.select(column).where(column.is_not(None))):
                    yield str(token)

    def _table(self, table: SealedTable) -> sa.Table:
        if table.name not in self._tables:
            self._tables[table.name] = load_all_tables().tables[table.name]
        return self._tables[table.name]


def _escape_like(text: str) -> str:
    return re.sub(r"([\\%_])", r"\\\1", text)


class SqlKeyRotationUnitOfWork(SqlUnitOfWork):
    """The unit of work of key rotation: the usual one, with the sealed personal data."""

    personal_data: SqlPersonalData

    def __enter__(self) -> Self:
        super().__enter__()
        assert self._session is not None
        self.personal_data = SqlPersonalData(self._session)
        return self
