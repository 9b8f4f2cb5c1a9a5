"""Artifacts are data plus a hash: canonical JSON on disk, its sha256 in the registry. A file whose
hash does not match is refused, never loaded."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from fengkong.core.errors import IntegrityBroken, NotFound


def canonical_json(payload: Any) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_artifact(path: Path, payload: Any) -> str:
    """Write `payload` as canonical JSON and return its sha256."""
    data = canonical_json(payload)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return sha256_hex(data)


def read_artifact(path: Path, expected_sha256: str) -> Any:
    if not path.exists():
        raise NotFound(f"artifact file {path} does not exist")
    data = path.read_bytes()
    actual = sha256_hex(data)
    if actual != expected_sha256:
        raise IntegrityBroken(
            f"artifact {path} has sha256 {actual}, the registry expects {expected_sha256}: refusing it"
        )
    return json.loads(data)
