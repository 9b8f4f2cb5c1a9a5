"""The identity keys fraud signals count, list and link by, and how each is canonicalized and hashed.

A key is never stored in clear: `key_hash` runs the canonical value through an injected hasher,
normally `Vault.blind_index`. Resident ID, mobile and bank card hash under the same field names the
applications table uses (`id_number`, `phone`, `card_number`), so every area indexes alike.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from fengkong.core.errors import FieldError, Invalid
from fengkong.onboarding.masking import mask
from fengkong.onboarding.normalize import FieldKind, normalize_text, normalize_uscc
from fengkong.onboarding.validators import (
    validate_bank_card,
    validate_mobile,
    validate_resident_id,
    validate_uscc,
)

__all__ = [
    "DEVICE_ID_MAX_LENGTH",
    "Hasher",
    "KeyType",
    "canonical_key",
    "display_key",
    "hash_keys",
    "ip_prefix",
    "key_hash",
]

Hasher = Callable[[str, str], str]
"""`(field, clear) -> hex digest`, e.g. `Vault.blind_index`."""


class KeyType(StrEnum):
    RESIDENT_ID = "resident_id"  # 身份证号
    MOBILE = "mobile"  # 手机号
    DEVICE = "device"  # 设备号
    IP = "ip"
    IP_PREFIX = "ip_prefix"  # IPv4 /24, IPv6 /64
    BANK_CARD = "bank_card"  # 银行卡号
    EMPLOYER = "employer"  # 单位: USCC 统一社会信用代码, or the employer's name


# The vault field each key type hashes under (see `onboarding.vault.DEFAULT_FIELD_KINDS`).
_HASH_FIELDS: Mapping[KeyType, str] = MappingProxyType(
    {
        KeyType.RESIDENT_ID: "id_number",
        KeyType.MOBILE: "phone",
        KeyType.DEVICE: "device_id",
        KeyType.IP: "ip",
        KeyType.IP_PREFIX: "ip_prefix",
        KeyType.BANK_CARD: "card_number",
        KeyType.EMPLOYER: "employer",
    }
)

DEVICE_ID_MAX_LENGTH = 128
_EMPLOYER_NAME_MAX_LENGTH = 100


def _invalid(key_type: KeyType, msg: str, type_: str = "value_error") -> Invalid:
    return Invalid((FieldError((key_type.value,), msg, type_),))


def ip_prefix(ip: str) -> str:
    """The network an address belongs to: `/24` for IPv4, `/64` for IPv6 (one subscriber's LAN)."""
    address = ipaddress.ip_address(ip.strip())
    bits = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))


def _canonical_ip(raw: str) -> str:
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        raise _invalid(KeyType.IP, "not an IPv4 or IPv6 address", "format") from None


def _canonical_prefix(raw: str) -> str:
    text = raw.strip()
    try:
        if "/" not in text:
            return ip_prefix(text)
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise _invalid(KeyType.IP_PREFIX, "not an IP address or network", "format") from None
    wanted = 24 if network.version == 4 else 64
    if network.prefixlen != wanted:
        raise _invalid(
            KeyType.IP_PREFIX, f"an IPv{network.version} prefix is a /{wanted} network", "format"
        )
    return str(network)


def _canonical_device(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise _invalid(KeyType.DEVICE, "is empty", "missing")
    if len(text) > DEVICE_ID_MAX_LENGTH or not text.isprintable():
        raise _invalid(
            KeyType.DEVICE,
            f"a device id is at most {DEVICE_ID_MAX_LENGTH} printable characters",
            "format",
        )
    return text


def _canonical_employer(raw: str) -> str:
    code = normalize_uscc(raw)
    if len(code) == 18 and code.isascii() and code.isalnum():
        try:
            return "uscc:" + validate_uscc(code)
        except Invalid as exc:
            raise Invalid(
                tuple(FieldError((KeyType.EMPLOYER.value,), e.msg, e.type) for e in exc.errors)
            ) from None
    name = normalize_text(raw).casefold()
    if not name:
        raise _invalid(KeyType.EMPLOYER, "is empty", "missing")
    if len(name) > _EMPLOYER_NAME_MAX_LENGTH:
        raise _invalid(
            KeyType.EMPLOYER,
            f"an employer name has at most {_EMPLOYER_NAME_MAX_LENGTH} characters",
            "length",
        )
    return "name:" + name


def canonical_key(key_type: KeyType, raw: str, as_of: date) -> str:
    """The one canonical form of a key value, or `Invalid` with a field-level error saying why.

    Personal keys go through the onboarding validators (`as_of` dates the resident ID check).
    """
    key_type = KeyType(key_type)
    try:
        if key_type is KeyType.RESIDENT_ID:
            return validate_resident_id(raw, as_of).number
        if key_type is KeyType.MOBILE:
            return validate_mobile(raw)
        if key_type is KeyType.BANK_CARD:
            return validate_bank_card(raw)
    except Invalid as exc:
        raise Invalid(
            tuple(FieldError((key_type.value,), e.msg, e.type) for e in exc.errors)
        ) from None
    if key_type is KeyType.DEVICE:
        return _canonical_device(raw)
    if key_type is KeyType.IP:
        return _canonical_ip(raw)
    if key_type is KeyType.IP_PREFIX:
        return _canonical_prefix(raw)
    return _canonical_employer(raw)


def key_hash(key_type: KeyType, canonical: str, hasher: Hasher) -> str:
    """The blind index of a canonical key value: the only form of it that is ever stored."""
    return hasher(_HASH_FIELDS[KeyType(key_type)], canonical)


def hash_keys(
    keys: Mapping[KeyType, str | None], hasher: Hasher
) -> tuple[tuple[KeyType, str | None], ...]:
    """Each key type with its hash, or `None` when the value is missing; sorted by key type."""
    return tuple(
        (kt, None if value is None else key_hash(kt, value, hasher))
        for kt, value in sorted(keys.items(), key=lambda item: item[0].value)
    )


_MASK_KINDS: Mapping[KeyType, FieldKind] = MappingProxyType(
    {
        KeyType.RESIDENT_ID: FieldKind.RESIDENT_ID,
        KeyType.MOBILE: FieldKind.MOBILE,
        KeyType.BANK_CARD: FieldKind.BANK_CARD,
    }
)


def display_key(key_type: KeyType, canonical: str) -> str:
    """A masked form for people to recognise an entry by; never enough to recover the value."""
    kind = _MASK_KINDS.get(key_type)
    if kind is not None:
        return mask(kind, canonical)
    if key_type is KeyType.EMPLOYER and canonical.startswith("uscc:"):
        return mask(FieldKind.USCC, canonical[5:])
    if len(canonical) <= 8:
        return "*" * len(canonical)
    return canonical[:4] + "****" + canonical[-2:]
