"""Rotating the personal-data key: re-encrypt every stored token under the vault's active key.

The sealed data lives in tables with `<field>_enc` columns (see `onboarding.application.seal`);
the `PersonalDataStore` port pages through them. Each batch of rows is one transaction of the
unit of work with its audit record, so a run that stops half-way keeps what it did, and running
again resumes: only tokens not yet under the active key are read. Blind indexes use a key of
their own and are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from fengkong.audit.port import AuditAppender
from fengkong.core.clock import Clock
from fengkong.core.errors import FieldError, Invalid
from fengkong.core.uow import UnitOfWork
from fengkong.onboarding.vault import TOKEN_VERSION, KeyRing, Vault

RowKey = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class SealedTable:
    """A table holding sealed personal data: its name and the vault fields it seals."""

    name: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SealedRow:
    """One row's primary key and its tokens by vault field (None where the field is empty)."""

    key: RowKey
    tokens: Mapping[str, str | None]


class PersonalDataStore(Protocol):
    def sealed_tables(self) -> tuple[SealedTable, ...]:
        """Every table with sealed fields; `Conflict` for one without a primary key."""
        ...

    def stale_rows(
        self, table: SealedTable, current_prefix: str, *, after: RowKey | None, limit: int
    ) -> Sequence[SealedRow]:
        """Up to `limit` rows, by primary key after `after`, with a token that does not start
        with `current_prefix`."""
        ...

    def replace_tokens(self, table: SealedTable, row: SealedRow, tokens: Mapping[str, str]) -> bool:
        """Write `tokens` (by field) into the row, only if its tokens are still `row.tokens`;
        whether it did."""
        ...

    def all_tokens(self) -> Iterator[str]:
        """Every stored token, of every sealed field."""
        ...


class KeyRotationUnitOfWork(UnitOfWork, Protocol):
    @property
    def personal_data(self) -> PersonalDataStore: ...
    @property
    def audit(self) -> AuditAppender: ...


@dataclass(frozen=True, slots=True)
class RotationReport:
    active_key_id: str
    rows_scanned: int
    rows_updated: int
    tokens_reencrypted: int
    batches: int
    per_table: tuple[tuple[str, int, int], ...]  # (table, rows updated, tokens re-encrypted)

    def as_dict(self) -> dict[str, Any]:
        return {
            "active_key_id": self.active_key_id,
            "rows_scanned": self.rows_scanned,
            "rows_updated": self.rows_updated,
            "tokens_reencrypted": self.tokens_reencrypted,
            "batches": self.batches,
            "tables": {t: {"rows": r, "tokens": n} for t, r, n in self.per_table},
        }


def next_key_id(ring: KeyRing) -> str:
    """`k<n+1>` after the highest `k<n>` in the ring."""
    numbers = [int(k[1:]) for k in ring.keys if re.fullmatch(r"k\d+", k)]
    return f"k{max(numbers, default=0) + 1}"


def reencrypt_all(
    uow: KeyRotationUnitOfWork,
    vault: Vault,
    *,
    clock: Clock,
    actor: str,
    batch_size: int = 500,
    max_batches: int | None = None,
    on_batch: Callable[[str, int], None] | None = None,
) -> RotationReport:
    """Re-encrypt under the vault's active key every token that is under another key.

    Pages through each table by primary key, reading only rows with a stale token; each batch is
    one transaction with its audit record. `max_batches` stops early (what an interruption does);
    calling again resumes, since rows already moved no longer match. A token that does not
    verify stops the run and rolls its batch back.
    """
    if batch_size <= 0:
        raise Invalid((FieldError(("batch_size",), "must be positive"),))
    active = vault.keyring.active_key_id
    current = f"{TOKEN_VERSION}:{active}:"
    with uow:
        tables = uow.personal_data.sealed_tables()
    scanned = updated = tokens = batches = 0
    per_table: list[tuple[str, int, int]] = []
    for table in tables:
        t_rows = t_tokens = 0
        last: RowKey | None = None
        while max_batches is None or batches < max_batches:
            with uow:
                rows = uow.personal_data.stale_rows(table, current, after=last, limit=batch_size)
                if not rows:
                    break
                batch_rows, batch_tokens = _reencrypt_batch(uow.personal_data, table, rows, vault)
                uow.audit.append(
                    at=clock.now(),
                    actor=actor,
                    action="vault.reencrypted",
                    subject_type="table",
                    subject_id=table.name,
                    payload={"key_id": active, "rows": len(rows), "tokens": batch_tokens},
                )
                uow.commit()
            t_rows += batch_rows
            t_tokens += batch_tokens
            scanned += len(rows)
            batches += 1
            last = rows[-1].key
            if on_batch is not None:
                on_batch(table.name, len(rows))
            if len(rows) < batch_size:
                break
        updated += t_rows
        tokens += t_tokens
        per_table.append((table.name, t_rows, t_tokens))
    return RotationReport(active, scanned, updated, tokens, batches, tuple(per_table))


def _reencrypt_batch(
    store: PersonalDataStore, table: SealedTable, rows: Sequence[SealedRow], vault: Vault
) -> tuple[int, int]:
    """Rows updated and tokens re-encrypted; a row changed by someone since it was read is
    left for the next run."""
    rows_updated = tokens = 0
    for row in rows:
        new = {
            field: vault.rotate(field, token)
            for field in table.fields
            if (token := row.tokens.get(field)) is not None and vault.needs_rotation(token)
        }
        if new and store.replace_tokens(table, row, new):
            rows_updated += 1
            tokens += len(new)
    return rows_updated, tokens


def key_usage(uow: KeyRotationUnitOfWork) -> dict[str, int]:
    """How many stored tokens each key id encrypts, over every sealed field."""
    usage: dict[str, int] = {}
    with uow:
        for token in uow.personal_data.all_tokens():
            kid = token.split(":")[1] if token.count(":") == 2 else "?"
            usage[kid] = usage.get(kid, 0) + 1
    return usage


def record_key_event(
    uow: KeyRotationUnitOfWork,
    action: str,
    payload: Mapping[str, object],
    *,
    actor: str,
    clock: Clock,
) -> None:
    """Audit a change to the key file (`vault.key_added`, `vault.keys_retired`), committed."""
    with uow:
        uow.audit.append(
            at=clock.now(),
            actor=actor,
            action=action,
            subject_type="key_ring",
            subject_id="vault",
            payload=payload,
        )
        uow.commit()
