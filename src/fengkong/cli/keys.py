"""`fengkong keys`: rotate the personal-data encryption key.

`rotate` first adds a new data key to the key file and makes it active (older keys stay, so every
stored token still decrypts), then re-encrypts every `*_enc` column of every table in batches,
one transaction and one audit record per batch. A run that stops half-way is resumed with
`--resume`: only tokens not yet under the active key (`Vault.needs_rotation`) are touched.
Blind indexes use a key of their own and are left as they are. `--retire-old` drops from the key
file the keys no token uses any more.

The column convention: `<field>_enc` holds a token made for vault field `<field>` (see
`onboarding.application.seal`). Running API workers keep the ring they started with: restart them
after a rotation, then `--resume` re-encrypts anything they wrote meanwhile.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer

from fengkong.cli.common import JsonOpt, actor_of_cli, cli_errors, emit_json, err, out
from fengkong.core.clock import Clock
from fengkong.core.errors import Conflict, FieldError, Invalid
from fengkong.db.database import Database
from fengkong.db.ledger_repository import SqlAuditLog
from fengkong.db.tables import load_all_tables
from fengkong.onboarding.vault import KEY_BYTES, KeyRing, Vault

__all__ = [
    "EncryptedColumns",
    "RotationReport",
    "app",
    "encrypted_columns",
    "key_usage",
    "next_key_id",
    "reencrypt_all",
    "write_keyring",
]

app = typer.Typer(help="Personal-data keys: rotate, retire.", no_args_is_help=True)

ENC_SUFFIX = "_enc"


@dataclass(frozen=True, slots=True)
class EncryptedColumns:
    table: sa.Table
    columns: tuple[str, ...]  # `<field>_enc` column names

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(c[: -len(ENC_SUFFIX)] for c in self.columns)


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


def encrypted_columns(db: Database) -> tuple[EncryptedColumns, ...]:
    """Every table in the database with `*_enc` columns, from the registered metadata."""
    present = set(sa.inspect(db.engine).get_table_names())
    found = []
    for table in load_all_tables().sorted_tables:
        cols = tuple(c.name for c in table.columns if c.name.endswith(ENC_SUFFIX))
        if cols and table.name in present:
            found.append(EncryptedColumns(table, cols))
    return tuple(found)


def _like_key(key_id: str) -> str:
    escaped = re.sub(r"([\\%_])", r"\\\1", key_id)
    return f"v1:{escaped}:%"


def _stale(table: sa.Table, columns: tuple[str, ...], key_id: str) -> Any:
    """Rows holding a token under another key than `key_id`."""
    pattern = _like_key(key_id)
    return sa.or_(
        *(
            sa.and_(table.c[c].is_not(None), sa.not_(table.c[c].like(pattern, escape="\\")))
            for c in columns
        )
    )


def reencrypt_all(
    db: Database,
    vault: Vault,
    *,
    clock: Clock,
    actor: str,
    batch_size: int = 500,
    max_batches: int | None = None,
    on_batch: Callable[[str, int], None] | None = None,
) -> RotationReport:
    """Re-encrypt under the vault's active key every token that is under another key.

    Pages through each table by primary key, selecting only rows with a stale token; each batch is
    one transaction with its audit record. `max_batches` stops early (what an interruption does);
    calling again resumes, since rows already moved no longer match.
    """
    if batch_size <= 0:
        raise Invalid((FieldError(("batch_size",), "must be positive"),))
    active = vault.keyring.active_key_id
    scanned = updated = tokens = batches = 0
    per_table: list[tuple[str, int, int]] = []
    for enc in encrypted_columns(db):
        t = enc.table
        pk = tuple(t.primary_key.columns)
        if not pk:
            raise Conflict(f"table {t.name} has no primary key: cannot rotate it in batches")
        t_rows = t_tokens = 0
        last: tuple[Any, ...] | None = None
        while max_batches is None or batches < max_batches:
            query = sa.select(*pk, *(t.c[c] for c in enc.columns)).where(
                _stale(t, enc.columns, active)
            )
            if last is not None:
                query = query.where(sa.tuple_(*pk) > sa.tuple_(*last))
            query = query.order_by(*pk).limit(batch_size)
            with db.session() as session:
                rows = session.execute(query).all()
                if not rows:
                    break
                batch_tokens = 0
                for row in rows:
                    keys = tuple(row[: len(pk)])
                    old = dict(zip(enc.columns, row[len(pk) :], strict=True))
                    new = {
                        c: vault.rotate(field, token)
                        for c, field in zip(enc.columns, enc.fields, strict=True)
                        if (token := old[c]) is not None and vault.needs_rotation(token)
                    }
                    if not new:
                        continue
                    # Only if nobody changed the row since we read it.
                    done = session.execute(
                        sa.update(t)
                        .where(*(col == v for col, v in zip(pk, keys, strict=True)))
                        .where(*(t.c[c] == old[c] for c in new))
                        .values(new)
                    )
                    if done.rowcount:  # type: ignore[attr-defined]
                        t_rows += 1
                        batch_tokens += len(new)
                t_tokens += batch_tokens
                SqlAuditLog(session).append(
                    at=clock.now(),
                    actor=actor,
                    action="vault.reencrypted",
                    subject_type="table",
                    subject_id=t.name,
                    payload={"key_id": active, "rows": len(rows), "tokens": batch_tokens},
                )
                session.commit()
            scanned += len(rows)
            batches += 1
            last = tuple(rows[-1][: len(pk)])
            if on_batch is not None:
                on_batch(t.name, len(rows))
            if len(rows) < batch_size:
                break
        updated += t_rows
        tokens += t_tokens
        per_table.append((t.name, t_rows, t_tokens))
    return RotationReport(active, scanned, updated, tokens, batches, tuple(per_table))


def key_usage(db: Database) -> dict[str, int]:
    """How many stored tokens each key id encrypts, over every `*_enc` column."""
    usage: dict[str, int] = {}
    with db.engine.connect() as conn:
        for enc in encrypted_columns(db):
            for c in enc.columns:
                for (token,) in conn.execute(
                    sa.select(enc.table.c[c]).where(enc.table.c[c].is_not(None))
                ):
                    kid = str(token).split(":")[1] if str(token).count(":") == 2 else "?"
                    usage[kid] = usage.get(kid, 0) + 1
    return usage


def next_key_id(ring: KeyRing) -> str:
    """`k<n+1>` after the highest `k<n>` in the ring."""
    numbers = [int(k[1:]) for k in ring.keys if re.fullmatch(r"k\d+", k)]
    return f"k{max(numbers, default=0) + 1}"


def write_keyring(path: Path, ring: KeyRing) -> None:
    """Replace the key file atomically, readable by its owner only."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(ring.to_mapping(), indent=2))
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def _audit(db: Database, clock: Clock, actor: str, action: str, payload: dict[str, Any]) -> None:
    with db.session() as session:
        SqlAuditLog(session).append(
            at=clock.now(),
            actor=actor,
            action=action,
            subject_type="key_ring",
            subject_id="vault",
            payload=payload,
        )
        session.commit()


@app.command("rotate")
@cli_errors
def keys_rotate(
    resume: Annotated[
        bool, typer.Option(help="Keep the active key: finish an interrupted re-encryption.")
    ] = False,
    retire_old: Annotated[
        bool, typer.Option(help="Afterwards remove from the key file every key no token uses.")
    ] = False,
    batch_size: Annotated[int, typer.Option(help="Rows per transaction.")] = 500,
    as_json: JsonOpt = False,
) -> None:
    """Add a new active data key, re-encrypt every stored token under it, report counts."""
    import secrets

    from fengkong.cli.common import context

    ctx = context()
    path = ctx.settings.resolved_vault_key_file
    ring = KeyRing.load(path)
    actor = actor_of_cli()
    added: str | None = None
    if not resume:
        added = next_key_id(ring)
        ring = ring.with_active_key(added, secrets.token_bytes(KEY_BYTES))
        # The key is on disk before any token uses it: a crash cannot strand data.
        write_keyring(path, ring)
        _audit(ctx.db, ctx.clock, actor, "vault.key_added", {"key_id": added})
    vault = Vault(ring)
    with err.status("re-encrypting…") as status:
        report = reencrypt_all(
            ctx.db,
            vault,
            clock=ctx.clock,
            actor=actor,
            batch_size=batch_size,
            on_batch=lambda table, n: status.update(f"re-encrypting {table}: {n} rows…"),
        )
    usage = key_usage(ctx.db)
    retired: list[str] = []
    if retire_old:
        unused = [k for k in ring.key_ids if k != ring.active_key_id and usage.get(k, 0) == 0]
        for kid in unused:
            ring = ring.without_key(kid)
        if unused:
            write_keyring(path, ring)
            _audit(ctx.db, ctx.clock, actor, "vault.keys_retired", {"key_ids": unused})
        retired = unused
    doc = {
        **report.as_dict(),
        "key_added": added,
        "keys_retired": retired,
        "keys": list(ring.key_ids),
        "tokens_by_key": usage,
    }
    if as_json:
        emit_json(doc)
        return
    out.print(
        f"active key {report.active_key_id}"
        + (" (new)" if added else " (resumed)")
        + f": {report.tokens_reencrypted} tokens in {report.rows_updated} rows re-encrypted "
        f"({report.rows_scanned} rows scanned, {report.batches} batches)"
    )
    for table, rows, n in report.per_table:
        out.print(f"  {table}: {rows} rows, {n} tokens")
    out.print(f"keys: {', '.join(ring.key_ids)}; tokens by key: {usage}")
    if retired:
        out.print(f"retired: {', '.join(retired)}")
