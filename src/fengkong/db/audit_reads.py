"""The audit chain as the console's auditors read it: verified as `fengkong audit verify` does
(every record's hash and link, the stored head, the journal's balance and ties), against the
signed checkpoints kept in the configured folder, trusting this installation's own key; and the
list of those checkpoints."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fengkong.audit.checkpoint import SignedCheckpoint
from fengkong.core.errors import Invalid
from fengkong.db.audit_checkpoints import Ed25519KeyFile, read_checkpoint
from fengkong.ledger.verify import VerifyReport, verify_books


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    name: str  # the file's name in the folder
    signed: SignedCheckpoint | None  # None: the file is not a readable checkpoint


def stored_checkpoints(folder: Path) -> tuple[StoredCheckpoint, ...]:
    """The checkpoint files of `folder`, newest name (highest seq) first."""
    if not folder.is_dir():
        return ()
    found = []
    for path in sorted(folder.glob("*.json"), reverse=True):
        try:
            found.append(StoredCheckpoint(path.name, read_checkpoint(path)))
        except Invalid:
            found.append(StoredCheckpoint(path.name, None))
    return tuple(found)


def verify_stored(
    uow: Callable[[], AbstractContextManager[Any]],
    folder: Path,
    key_file: Path,
    timestamp_ca: Path | None,
) -> VerifyReport:
    """Verify the chain and the journal against every readable checkpoint of `folder`, trusting
    the installation's key (`key_file`) and, for timestamp tokens, `timestamp_ca`."""
    checkpoints = [(c.name, c.signed) for c in stored_checkpoints(folder) if c.signed is not None]
    trusted: dict[str, str] = {}
    own = Ed25519KeyFile(key_file)
    if own.exists:
        trusted[own.key_id] = own.public_key_pem()
    roots = (
        timestamp_ca.read_bytes() if timestamp_ca is not None and timestamp_ca.is_file() else None
    )
    with uow() as books:
        return verify_books(
            books.audit.stream(),
            books.audit.head(),
            books.journal.entries(),
            ties=books.journal.ties(),
            checkpoints=checkpoints,
            trusted=trusted,
            timestamp_roots=roots,
        )
