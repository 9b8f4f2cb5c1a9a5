"""The personal-data vault: field-level encryption, blind indexes for equality look-ups, masks.

A token is `v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`, AES-256-GCM with a random 96-bit
nonce. The associated data binds the version, the key id and the field name, so a token moved to
another field, or relabelled with another key id, fails to decrypt like any tampered token.

A blind index is HMAC-SHA256 under a key of its own over the normalized value, so it survives the
rotation of encryption keys. Rotating the index key itself means recomputing every stored index.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fengkong.core.errors import FieldError, IntegrityBroken, Invalid
from fengkong.onboarding.masking import mask
from fengkong.onboarding.normalize import FieldKind, index_form

__all__ = [
    "DEFAULT_FIELD_KINDS",
    "KEY_BYTES",
    "TOKEN_VERSION",
    "KeyRing",
    "Vault",
    "generate_keyring",
    "mask",
]

KEY_BYTES = 32
TOKEN_VERSION = "v1"
_NONCE_BYTES = 12
_TAG_BYTES = 16
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")

# Which normalization a field's blind index uses; several field names may share a kind so that,
# say, an applicant's phone and a contact's phone index alike and can be linked.
DEFAULT_FIELD_KINDS: Mapping[str, FieldKind] = MappingProxyType(
    {
        **{kind.value: kind for kind in FieldKind},
        "id_number": FieldKind.RESIDENT_ID,
        "phone": FieldKind.MOBILE,
        "contact_phone": FieldKind.MOBILE,
        "card_number": FieldKind.BANK_CARD,
    }
)


def _b64decode_strict(text: str) -> bytes:
    """Standard base64 with padding; anything that does not re-encode to itself is refused."""
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("not canonical base64")
    return raw


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _b64url_decode_strict(text: str) -> bytes:
    # Canonical form only: otherwise the unused low bits of the last character could be flipped
    # without changing the bytes, and a tampered token would still decrypt.
    if not text.isascii():
        raise ValueError("not ASCII")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64url(raw) != text:
        raise ValueError("not canonical base64url")
    return raw


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class KeyRing:
    """Data keys by id (one of them active for new tokens) and the blind-index key.

    Build one with `KeyRing.from_mapping`, `KeyRing.load` or `generate_keyring`; the document shape
    is `{"active": "k2", "keys": {"k1": "<base64>", "k2": "<base64>"}, "index_key": "<base64>"}`.
    """

    keys: Mapping[str, bytes]
    active_key_id: str
    index_key: bytes

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        for kid, key in self.keys.items():
            if not isinstance(kid, str) or not _KEY_ID.fullmatch(kid):
                errors.append(
                    FieldError(("keys",), "key ids are 1 to 32 letters, digits, '-' or '_'")
                )
            elif not isinstance(key, bytes) or len(key) != KEY_BYTES:
                errors.append(FieldError(("keys", kid), f"a key must be {KEY_BYTES} bytes"))
        if self.active_key_id not in self.keys:
            errors.append(FieldError(("active",), "the active key id is not among the keys"))
        if not isinstance(self.index_key, bytes) or len(self.index_key) != KEY_BYTES:
            errors.append(FieldError(("index_key",), f"the index key must be {KEY_BYTES} bytes"))
        elif self.index_key in self.keys.values():
            errors.append(FieldError(("index_key",), "the index key must differ from data keys"))
        if errors:
            raise Invalid(tuple(errors), "the key ring is not usable")
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self.keys))

    def with_active_key(self, key_id: str, key: bytes) -> KeyRing:
        """A ring with `key` added under `key_id` and made active; older keys still decrypt."""
        if key_id in self.keys and not hmac.compare_digest(self.keys[key_id], key):
            raise Invalid((FieldError(("keys", key_id), "this key id already names another key"),))
        return KeyRing({**self.keys, key_id: key}, key_id, self.index_key)

    def without_key(self, key_id: str) -> KeyRing:
        """A ring that no longer holds `key_id` (after every token under it has been rotated)."""
        if key_id == self.active_key_id:
            raise Invalid((FieldError(("keys", key_id), "the active key cannot be retired"),))
        return KeyRing(
            {k: v for k, v in self.keys.items() if k != key_id}, self.active_key_id, self.index_key
        )

    def to_mapping(self) -> dict[str, object]:
        """The key-file document. It holds every key in clear: write it only where secrets go."""
        return {
            "active": self.active_key_id,
            "keys": {kid: base64.b64encode(key).decode("ascii") for kid, key in self.keys.items()},
            "index_key": base64.b64encode(self.index_key).decode("ascii"),
        }

    @classmethod
    def from_mapping(cls, document: Mapping[str, object]) -> KeyRing:
        """Read the key-file document; every problem is reported, no key material is echoed."""
        errors: list[FieldError] = []
        keys: dict[str, bytes] = {}
        raw_keys = document.get("keys")
        if not isinstance(raw_keys, Mapping) or not raw_keys:
            errors.append(FieldError(("keys",), "must map key ids to base64 keys"))
        else:
            for kid, encoded in raw_keys.items():
                try:
                    keys[str(kid)] = _b64decode_strict(str(encoded))
                except (ValueError, binascii.Error, UnicodeEncodeError):
                    errors.append(FieldError(("keys", str(kid)), "is not valid base64"))
        active = document.get("active")
        if not isinstance(active, str):
            errors.append(FieldError(("active",), "must name the active key id"))
        index_key = b""
        encoded_index = document.get("index_key")
        if not isinstance(encoded_index, str):
            errors.append(FieldError(("index_key",), "must hold the base64 blind-index key"))
        else:
            try:
                index_key = _b64decode_strict(encoded_index)
            except (ValueError, binascii.Error, UnicodeEncodeError):
                errors.append(FieldError(("index_key",), "is not valid base64"))
        if errors or not isinstance(active, str):
            raise Invalid(tuple(errors), "the key ring is not usable")
        return cls(keys, active, index_key)

    @classmethod
    def load(cls, path: str | Path) -> KeyRing:
        """Read a JSON key file (see `to_mapping` for its shape)."""
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            # Say why without quoting the file: a parse error message can carry key material.
            reason = "cannot be read" if isinstance(exc, OSError) else "is not valid JSON"
            raise Invalid((FieldError(("key_file",), reason),)) from None
        if not isinstance(document, dict):
            raise Invalid((FieldError(("key_file",), "must hold a JSON object"),))
        return cls.from_mapping(document)

    def __repr__(self) -> str:
        return f"KeyRing(active_key_id={self.active_key_id!r}, key_ids={self.key_ids!r})"


def generate_keyring(key_id: str = "k1") -> KeyRing:
    """A fresh ring of random keys, for development and tests; production keys come from a file."""
    return KeyRing({key_id: secrets.token_bytes(KEY_BYTES)}, key_id, secrets.token_bytes(KEY_BYTES))


def _associated_data(key_id: str, field: str) -> bytes:
    return f"{TOKEN_VERSION}:{key_id}:{field}".encode()


class Vault:
    """Encrypts and decrypts personal fields, computes blind indexes, masks for display."""

    __slots__ = ("_field_kinds", "_ring")

    def __init__(
        self, ring: KeyRing, field_kinds: Mapping[str, FieldKind] = DEFAULT_FIELD_KINDS
    ) -> None:
        self._ring = ring
        self._field_kinds = MappingProxyType(dict(field_kinds))

    mask = staticmethod(mask)

    @property
    def keyring(self) -> KeyRing:
        return self._ring

    def encrypt(self, field: str, clear: str) -> str:
        """A token for `clear` under the active key, bound to `field`."""
        _check_field(field)
        try:
            plaintext = clear.encode("utf-8")
        except UnicodeEncodeError:
            raise Invalid((FieldError((field,), "is not valid Unicode text"),)) from None
        kid = self._ring.active_key_id
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = AESGCM(self._ring.keys[kid]).encrypt(
            nonce, plaintext, _associated_data(kid, field)
        )
        return f"{TOKEN_VERSION}:{kid}:{_b64url(nonce + sealed)}"

    def decrypt(self, field: str, token: str) -> str:
        """The clear value of a token made for `field`; `IntegrityBroken` if it does not verify."""
        _check_field(field)
        kid, payload = self._open(token)
        key = self._ring.keys.get(kid)
        if key is None:
            raise IntegrityBroken(f"vault token names key {kid!r}, which the key ring lacks")
        try:
            plaintext = AESGCM(key).decrypt(
                payload[:_NONCE_BYTES], payload[_NONCE_BYTES:], _associated_data(kid, field)
            )
            return plaintext.decode("utf-8")
        except (InvalidTag, UnicodeDecodeError):
            raise IntegrityBroken(
                f"vault token for field {field!r} does not verify under key {kid!r}: "
                "wrong key, wrong field or tampered"
            ) from None

    def rotate(self, field: str, token: str) -> str:
        """The token re-encrypted under the active key (unchanged if it already is).

        Needs the field because the field is part of what the token authenticates.
        """
        if not self.needs_rotation(token):
            self.decrypt(field, token)  # still verify: rotation must never bless a bad token
            return token
        return self.encrypt(field, self.decrypt(field, token))

    def needs_rotation(self, token: str) -> bool:
        """Whether the token was made under a key other than the active one."""
        kid, _ = self._open(token)
        return kid != self._ring.active_key_id

    def blind_index(self, field: str, clear: str) -> str:
        """Hex HMAC-SHA256 of the normalized value under the index key, for equality look-ups.

        Fields of one kind (see `DEFAULT_FIELD_KINDS`) share an index space; a field of no known
        kind gets its own, keyed by its name, over generic normalized text.
        """
        _check_field(field)
        kind = self._field_kinds.get(field)
        domain = kind.value if kind is not None else f"field:{field}"
        message = f"{domain}\x00{index_form(kind, clear)}".encode("utf-8", "surrogatepass")
        return hmac.new(self._ring.index_key, message, hashlib.sha256).hexdigest()

    @staticmethod
    def _open(token: str) -> tuple[str, bytes]:
        parts = token.split(":") if isinstance(token, str) else []
        if len(parts) != 3 or parts[0] != TOKEN_VERSION or not _KEY_ID.fullmatch(parts[1]):
            raise IntegrityBroken(f"not a vault token of version {TOKEN_VERSION}")
        try:
            payload = _b64url_decode_strict(parts[2])
        except (ValueError, binascii.Error):
            raise IntegrityBroken("vault token payload is not canonical base64url") from None
        if len(payload) < _NONCE_BYTES + _TAG_BYTES:
            raise IntegrityBroken("vault token payload is too short")
        return parts[1], payload

    def __repr__(self) -> str:
        return f"Vault({self._ring!r})"


def _check_field(field: str) -> None:
    if not isinstance(field, str) or not field:
        raise ValueError("a vault field name is a non-empty string")
