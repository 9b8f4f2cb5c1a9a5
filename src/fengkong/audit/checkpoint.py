"""Signed checkpoints of the audit chain (签名检查点): the head's sequence number and hash, the
number of records, the time and the signing key's id, signed with Ed25519.

The hash chain shows that no record was edited, moved or removed *between* two records that are
still there; it cannot show that the newest records were cut off, or that the whole chain after
some record was rewritten and re-hashed, when whoever did it also rewrote the stored head. A
checkpoint kept away from the database (sent to an auditor, a write-once bucket, a printed
report) pins the chain as it stood: `checkpoint_check` then finds a cut tail (the checkpointed
record is gone), and any rewrite at or before it (that record's hash changed).

Pure: signing is a `CheckpointSigner`'s job (`db.audit_checkpoints` holds the key file);
checking a signature needs only the public key, and `cryptography` (imported when used).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from fengkong.audit.chain import ChainPoint, canonical_json, utc_iso
from fengkong.audit.findings import Finding, Problem
from fengkong.audit.verify import AuditCheck, Window
from fengkong.core.errors import FieldError, Invalid

FORMAT = "fengkong.audit-checkpoint/1"
ALGORITHM = "ed25519"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What a checkpoint states: the chain held `records` records and its newest was `seq` with
    hash `hash`, at `at`; signed by the key `key_id`. `reason` says what wrote it (`cli`,
    `eod 2025-03-31`)."""

    seq: int
    hash: str
    records: int
    at: datetime
    key_id: str
    reason: str = ""

    @property
    def point(self) -> ChainPoint:
        return ChainPoint(self.seq, self.hash)

    def body(self) -> dict[str, object]:
        """The signed members, in canonical JSON's terms."""
        return {
            "format": FORMAT,
            "seq": self.seq,
            "hash": self.hash,
            "records": self.records,
            "at": utc_iso(self.at),
            "key_id": self.key_id,
            "reason": self.reason,
        }

    def signed_bytes(self) -> bytes:
        """Exactly what the signature covers: the body's canonical JSON, UTF-8."""
        return canonical_json(self.body()).encode("utf-8")

    def digest(self) -> str:
        """sha256 of `signed_bytes`, hex: what a timestamping service is asked to stamp."""
        return hashlib.sha256(self.signed_bytes()).hexdigest()


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A checkpoint, its Ed25519 signature and the signer's public key (PEM). The key travels
    with it for convenience only: a verifier trusts a key it was given, never the one inside.
    `timestamp_token` is an RFC 3161 token over `checkpoint.digest()`, when one was obtained;
    `timestamp_error` why none was, when one was asked for (`audit.timestamp`). The error is the
    writer's report, not part of the file."""

    checkpoint: Checkpoint
    signature: bytes
    public_key_pem: str
    timestamp_token: bytes | None = None
    timestamp_error: str | None = None

    def to_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            **self.checkpoint.body(),
            "algorithm": ALGORITHM,
            "signature": base64.b64encode(self.signature).decode("ascii"),
            "public_key": self.public_key_pem,
        }
        if self.timestamp_token is not None:
            doc["timestamp"] = {
                "digest": self.checkpoint.digest(),
                "token": base64.b64encode(self.timestamp_token).decode("ascii"),
            }
        return doc


def from_document(doc: object) -> SignedCheckpoint:
    """A checkpoint file's JSON read back; `Invalid` when it is not one."""
    if not isinstance(doc, Mapping):
        raise Invalid((FieldError(("checkpoint",), "not a JSON object"),))
    errors: list[FieldError] = []

    def text(name: str) -> str:
        value = doc.get(name)
        if not isinstance(value, str):
            errors.append(FieldError((name,), "required text"))
            return ""
        return value

    def whole(name: str) -> int:
        value = doc.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors.append(FieldError((name,), "required, a whole number"))
            return 0
        return value

    if doc.get("format") != FORMAT:
        errors.append(FieldError(("format",), f"expected {FORMAT!r}"))
    if doc.get("algorithm") != ALGORITHM:
        errors.append(FieldError(("algorithm",), f"expected {ALGORITHM!r}"))
    seq, records = whole("seq"), whole("records")
    digest, key_id, reason, at_text = text("hash"), text("key_id"), text("reason"), text("at")
    signature, public_key = text("signature"), text("public_key")
    at = _instant(at_text, errors)
    raw = _b64(signature, ("signature",), errors)
    token = None
    stamp = doc.get("timestamp")
    if isinstance(stamp, Mapping) and isinstance(stamp.get("token"), str):
        token = _b64(stamp["token"], ("timestamp", "token"), errors)
    if errors:
        raise Invalid(tuple(errors))
    assert at is not None and raw is not None
    return SignedCheckpoint(
        Checkpoint(seq, digest, records, at, key_id, reason), raw, public_key, token
    )


def _instant(value: str, errors: list[FieldError]) -> datetime | None:
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        errors.append(FieldError(("at",), "not an ISO 8601 instant"))
        return None
    if at.tzinfo is None:
        errors.append(FieldError(("at",), "must carry its zone"))
        return None
    return at


def _b64(value: str, loc: tuple[str, ...], errors: list[FieldError]) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        errors.append(FieldError(loc, "not base64"))
        return None


# ---- keys ----------------------------------------------------------------------------------


class CheckpointSigner(Protocol):
    """Holds the private key: signs checkpoints, tells its id and public key."""

    @property
    def key_id(self) -> str: ...
    def public_key_pem(self) -> str: ...
    def sign(self, data: bytes) -> bytes: ...


class CheckpointWriter(Protocol):
    """Writes a signed checkpoint of the chain as it stands (end of day calls it as it closes a
    date): reads the head, signs, asks for a timestamp token when configured, stores the file
    where checkpoints are kept. A token that could not be had leaves the checkpoint written
    without one, and says why in `timestamp_error`."""

    def write(self, reason: str) -> SignedCheckpoint: ...


def key_id(public_key_pem: str) -> str:
    """The key's fingerprint: `ed25519:` and the first 32 hex digits of sha256 over the raw
    32-byte public key (the same key in any PEM spelling has one id)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key = serialization.load_pem_public_key(public_key_pem.encode("ascii"))
    if not isinstance(key, Ed25519PublicKey):
        raise Invalid((FieldError(("public_key",), "not an Ed25519 public key"),))
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return f"{ALGORITHM}:{hashlib.sha256(raw).hexdigest()[:32]}"


def signature_valid(public_key_pem: str, data: bytes, signature: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(public_key_pem.encode("ascii"))
    except ValueError:
        return False
    if not isinstance(key, Ed25519PublicKey):
        return False
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def sign_checkpoint(
    head: ChainPoint, records: int, at: datetime, signer: CheckpointSigner, reason: str
) -> SignedCheckpoint:
    """The signed checkpoint of a chain whose newest record is `head`."""
    checkpoint = Checkpoint(head.seq, head.hash, records, at, signer.key_id, reason)
    return SignedCheckpoint(
        checkpoint, signer.sign(checkpoint.signed_bytes()), signer.public_key_pem()
    )


# ---- checking --------------------------------------------------------------------------------

SIGNATURE_CHECK = "check_checkpoint_signature"
ANCHOR_CHECK = "check_checkpoints"


def check_signature(
    name: str, signed: SignedCheckpoint, trusted: Mapping[str, str]
) -> tuple[Finding, ...]:
    """Findings for checkpoint `name` (its file): signed by a key in `trusted` (key id → PEM),
    and the signature covers exactly what it states. The key inside the file is never trusted
    for itself: a forger would put their own there."""
    cp = signed.checkpoint
    public = trusted.get(cp.key_id)
    if public is None:
        return (
            Finding(
                SIGNATURE_CHECK,
                Problem.UNTRUSTED_KEY,
                f"{name}: signed by key {cp.key_id}, which is not trusted here; give its"
                " public key (--public-key) if it is the lender's",
                seq=cp.seq,
            ),
        )
    if not signature_valid(public, cp.signed_bytes(), signed.signature):
        return (
            Finding(
                SIGNATURE_CHECK,
                Problem.BAD_SIGNATURE,
                f"{name}: the signature does not match the checkpoint (seq {cp.seq}): the file"
                " was altered after it was signed",
                seq=cp.seq,
            ),
        )
    return ()


@dataclass(frozen=True, slots=True)
class _Anchors:
    waiting: tuple[tuple[str, Checkpoint], ...]  # by seq, not yet reached
    count: int = 0


def checkpoint_check(anchors: Sequence[tuple[str, Checkpoint]]) -> AuditCheck[_Anchors]:
    """A streaming check that the chain still holds each checkpointed record: the record at the
    checkpoint's seq is there, intact, with the hash the checkpoint states; and the chain has at
    least as many records. That the chain links unbroken up to and after it is the other checks'
    job (`audit.verify.AUDIT_CHECKS`), so this one runs beside them."""
    ordered = tuple(sorted(anchors, key=lambda a: a[1].seq))

    def start(after: ChainPoint, head: ChainPoint | None) -> _Anchors:
        return _Anchors(ordered)

    def step(s: _Anchors, w: Window) -> tuple[_Anchors, tuple[Finding, ...]]:
        s = replace(s, count=s.count + 1)
        findings: list[Finding] = []
        waiting = list(s.waiting)
        while waiting and waiting[0][1].seq <= w.record.seq:
            name, cp = waiting.pop(0)
            if cp.seq < w.record.seq:
                findings.append(_gone(name, cp, w.position))
            elif not w.intact or w.record.hash != cp.hash:
                findings.append(
                    Finding(
                        ANCHOR_CHECK,
                        Problem.EDITED,
                        f"position {w.position} (seq {cp.seq}): not the record {name} pinned"
                        f" (hash {cp.hash[:12]}…, now {w.record.hash[:12]}…): it, or a record"
                        " before it, was rewritten",
                        position=w.position,
                        seq=cp.seq,
                    )
                )
        return replace(s, waiting=tuple(waiting)), tuple(findings)

    def finish(s: _Anchors) -> tuple[Finding, ...]:
        findings = [_gone(name, cp, s.count) for name, cp in s.waiting]
        for name, cp in ordered:
            if s.count < cp.records:
                findings.append(
                    Finding(
                        ANCHOR_CHECK,
                        Problem.TRUNCATED,
                        f"{name} counted {cp.records} records; the chain now holds {s.count}",
                        position=s.count,
                        seq=cp.seq,
                    )
                )
        return tuple(findings)

    return AuditCheck(ANCHOR_CHECK, start, step, finish)


def _gone(name: str, cp: Checkpoint, position: int) -> Finding:
    return Finding(
        ANCHOR_CHECK,
        Problem.TRUNCATED,
        f"seq {cp.seq}, pinned by {name}, is no longer in the chain: records were deleted",
        position=position,
        seq=cp.seq,
    )
