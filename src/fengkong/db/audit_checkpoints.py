"""Audit checkpoints on disk: the Ed25519 signing key (a PEM file, created on first use, mode
0600) and the signed checkpoint files (JSON), written by `FileCheckpointWriter` (the
`audit.checkpoint.CheckpointWriter` end of day calls) and read back for `fengkong audit verify`."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fengkong.audit.chain import ChainPoint
from fengkong.audit.checkpoint import SignedCheckpoint, from_document, key_id, sign_checkpoint
from fengkong.audit.timestamp import Timestamper, TimestampFailed
from fengkong.core.clock import Clock
from fengkong.core.errors import FieldError, Invalid


class Ed25519KeyFile:
    """The signing key in a PEM file (PKCS#8, unencrypted: guard the file as the vault key is
    guarded). Created at `path` the first time it is needed, readable by its owner only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._key: Ed25519PrivateKey | None = None

    def _private(self) -> Ed25519PrivateKey:
        if self._key is None:
            self._key = self._load() if self.path.exists() else self._create()
        return self._key

    def _load(self) -> Ed25519PrivateKey:
        key = serialization.load_pem_private_key(self.path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise Invalid((FieldError(("audit_key_file",), f"{self.path}: not an Ed25519 key"),))
        return key

    def _create(self) -> Ed25519PrivateKey:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once must not each write a key of their own.
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return self._load()
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        return key

    @property
    def exists(self) -> bool:
        return self.path.exists()

    @property
    def key_id(self) -> str:
        return key_id(self.public_key_pem())

    def public_key_pem(self) -> str:
        public = self._private().public_key()
        return public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def sign(self, data: bytes) -> bytes:
        return self._private().sign(data)


def read_checkpoint(path: Path) -> SignedCheckpoint:
    """A checkpoint file; `Invalid` when it cannot be read or is not one."""
    try:
        doc: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Invalid((FieldError(("checkpoint",), f"{path}: {exc}"),)) from exc
    try:
        return from_document(doc)
    except Invalid as exc:
        raise Invalid(
            tuple(FieldError(("checkpoint", str(path), *e.loc), e.msg) for e in exc.errors)
        ) from exc


def read_public_key(path: Path) -> tuple[str, str]:
    """(key id, PEM) of a public key file; `Invalid` when it is not an Ed25519 public key."""
    try:
        pem = path.read_text(encoding="ascii")
        return key_id(pem), pem
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise Invalid((FieldError(("public_key",), f"{path}: {exc}"),)) from exc


def checkpoint_name(signed: SignedCheckpoint) -> str:
    cp = signed.checkpoint
    return f"checkpoint-{cp.seq:012d}-{cp.at.strftime('%Y%m%dT%H%M%S%fZ')}.json"


def write_checkpoint_file(signed: SignedCheckpoint, path: Path) -> Path:
    """Write `signed` to `path` (a folder: a new file named by seq and time inside it). An
    existing file is never overwritten."""
    if path.is_dir() or not path.suffix:
        path.mkdir(parents=True, exist_ok=True)
        path = path / checkpoint_name(signed)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(signed.to_document(), indent=2, sort_keys=True) + "\n"
    try:
        with path.open("x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError as exc:
        raise Invalid(
            (FieldError(("out",), f"{path} exists; checkpoints are never overwritten"),)
        ) from exc
    return path


class _ChainReader(Protocol):
    def head(self) -> ChainPoint: ...
    def count(self) -> int: ...


class _HasAudit(Protocol):
    @property
    def audit(self) -> _ChainReader: ...


class FileCheckpointWriter:
    """Signs the chain's head and count as they stand, has `timestamper` (when given) stamp
    the checkpoint's digest, and writes the checkpoint to `folder` (or a given file)."""

    def __init__(
        self,
        uow: Callable[[], AbstractContextManager[_HasAudit]],
        clock: Clock,
        signer: Ed25519KeyFile,
        folder: Path,
        timestamper: Timestamper | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.signer = signer
        self.folder = folder
        self.timestamper = timestamper

    def current(self, reason: str) -> SignedCheckpoint:
        """The signed (and, when configured, timestamped) checkpoint of the chain now, not yet
        written anywhere. A token that could not be had is `timestamp_error`, not an error:
        the checkpoint is worth keeping without it."""
        with self.uow() as uow:
            head, records = uow.audit.head(), uow.audit.count()
        signed = sign_checkpoint(head, records, self.clock.now(), self.signer, reason)
        if self.timestamper is None:
            return signed
        try:
            token = self.timestamper.stamp(signed.checkpoint.signed_bytes())
        except TimestampFailed as exc:
            return replace(signed, timestamp_error=str(exc))
        return replace(signed, timestamp_token=token)

    def write_to(self, reason: str, out: Path | None = None) -> tuple[SignedCheckpoint, Path]:
        signed = self.current(reason)
        return signed, write_checkpoint_file(signed, out or self.folder)

    def write(self, reason: str) -> SignedCheckpoint:
        return self.write_to(reason)[0]
