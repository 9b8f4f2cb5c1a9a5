"""`fengkong data-keys`: rotate the personal-data encryption key.

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
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fengkong.access.permissions import Permission
from fengkong.cli.common import JsonOpt, acting, cli_errors, emit_json, err, out

if TYPE_CHECKING:
    from fengkong.onboarding.vault import KeyRing

app = typer.Typer(help="Personal-data keys: rotate, retire.", no_args_is_help=True)


def write_keyring(path: Path, ring: KeyRing) -> None:
    """Replace the key file atomically, readable by its owner only."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(ring.to_mapping(), indent=2))
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


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
    """Add a new active data key, re-encrypt every stored token under it, report counts. Runs
    as an admin (`operations.run`)."""
    import secrets

    from fengkong.cli.common import context
    from fengkong.db.personal_data import SqlKeyRotationUnitOfWork
    from fengkong.onboarding.key_rotation import (
        key_usage,
        next_key_id,
        record_key_event,
        reencrypt_all,
    )
    from fengkong.onboarding.vault import KEY_BYTES, KeyRing, Vault

    ctx = context()
    actor = acting(ctx, Permission.OPERATIONS_RUN).audit_name
    uow = SqlKeyRotationUnitOfWork(ctx.db)
    path = ctx.settings.resolved_vault_key_file
    ring = KeyRing.load(path)
    added: str | None = None
    if not resume:
        added = next_key_id(ring)
        ring = ring.with_active_key(added, secrets.token_bytes(KEY_BYTES))
        # The key is on disk before any token uses it: a crash cannot strand data.
        write_keyring(path, ring)
        record_key_event(uow, "vault.key_added", {"key_id": added}, actor=actor, clock=ctx.clock)
    vault = Vault(ring)
    with err.status("re-encrypting…") as status:
        report = reencrypt_all(
            uow,
            vault,
            clock=ctx.clock,
            actor=actor,
            batch_size=batch_size,
            on_batch=lambda table, n: status.update(f"re-encrypting {table}: {n} rows…"),
        )
    usage = key_usage(uow)
    retired: list[str] = []
    if retire_old:
        unused = [k for k in ring.key_ids if k != ring.active_key_id and usage.get(k, 0) == 0]
        for kid in unused:
            ring = ring.without_key(kid)
        if unused:
            write_keyring(path, ring)
            record_key_event(
                uow, "vault.keys_retired", {"key_ids": unused}, actor=actor, clock=ctx.clock
            )
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
