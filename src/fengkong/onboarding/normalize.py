"""Normalization of what applicants type: one canonical form per value, so validation, storage and
blind-index look-ups all see the same string.

Digit-only fields (ID numbers, phones, cards, USCC) go through NFKC: the result must be ASCII, and
NFKC is exactly what turns full-width `１３８` or `ｘ` into ASCII. Free text (names, addresses)
does not: NFKC rewrites enclosed and square ideographs (`㈱`, `㍻`) and other compatibility forms
that are part of Chinese text, so there we apply NFC plus a short list of foldings that are always
safe — full-width ASCII, the ideographic space, Kangxi and supplement radicals that look identical
to ordinary ideographs, and the many look-alikes of the name separator `·`.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Mapping
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "NAME_SEPARATOR",
    "FieldKind",
    "collapse_whitespace",
    "fold_width",
    "index_form",
    "is_han",
    "normalize_address",
    "normalize_bank_card",
    "normalize_mobile",
    "normalize_name",
    "normalize_resident_id",
    "normalize_text",
    "normalize_uscc",
]


class FieldKind(StrEnum):
    """The kinds of personal or registration data onboarding normalizes, validates and protects."""

    RESIDENT_ID = "resident_id"  # 居民身份证号码
    MOBILE = "mobile"  # 手机号
    BANK_CARD = "bank_card"  # 银行卡号
    NAME = "name"  # 姓名
    ADDRESS = "address"  # 地址
    USCC = "uscc"  # 统一社会信用代码


# Ethnic-minority and transliterated names join their parts with U+00B7; people type any of these.
NAME_SEPARATOR = "\u00b7"
_SEPARATOR_LOOKALIKES = frozenset(
    "\u00b7"  # MIDDLE DOT, the one on ID cards
    "\u2022"  # BULLET
    "\u2027"  # HYPHENATION POINT
    "\u2219"  # BULLET OPERATOR
    "\u22c5"  # DOT OPERATOR
    "\u30fb"  # KATAKANA MIDDLE DOT (Japanese IMEs)
    "\uff65"  # HALFWIDTH KATAKANA MIDDLE DOT
    "\u0387"  # GREEK ANO TELEIA
    "\u16eb"  # RUNIC SINGLE PUNCTUATION
    "\u2e31"  # WORD SEPARATOR MIDDLE DOT
)

_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")


def _is_radical(ch: str) -> bool:
    # Kangxi Radicals and CJK Radicals Supplement: render as ordinary ideographs, compare unequal.
    return "\u2e80" <= ch <= "\u2fdf"


def fold_width(text: str) -> str:
    """Full-width ASCII forms to ASCII, the ideographic space to a space, radicals to ideographs.

    Leaves every other character alone, Chinese punctuation such as `、` and `。` included.
    """
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        elif code == 0x3000:
            out.append(" ")
        elif _is_radical(ch):
            out.append(unicodedata.normalize("NFKC", ch))
        else:
            out.append(ch)
    return "".join(out)


def _drop_invisible(text: str) -> str:
    # Zero-width spaces, BOMs and stray controls arrive with copy-paste; whitespace stays for now.
    return "".join(
        ch for ch in text if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf")
    )


def collapse_whitespace(text: str) -> str:
    """Every run of Unicode whitespace becomes one ASCII space; ends are trimmed."""
    return " ".join(text.split())


def normalize_text(raw: str) -> str:
    """Generic free text: NFC, width folded, invisible characters dropped, spaces collapsed."""
    return collapse_whitespace(_drop_invisible(fold_width(unicodedata.normalize("NFC", raw))))


def is_han(ch: str) -> bool:
    """True for a CJK ideograph (any extension block, compatibility forms) and for `〇`."""
    if ch == "\u3007":
        return True
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"))


def _is_joiner(ch: str) -> bool:
    return ch == NAME_SEPARATOR or is_han(ch)


def _drop_spaces_beside_han(text: str) -> str:
    # `张 三` is `张三`: Chinese names and addresses carry no spaces next to ideographs or the dot.
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == " ":
            before = text[i - 1] if i > 0 else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            if (before and _is_joiner(before)) or (after and _is_joiner(after)):
                continue
        out.append(ch)
    return "".join(out)


def normalize_name(raw: str) -> str:
    """A person's name as it would be printed: dot look-alikes unified, no spaces beside ideographs.

    Case is kept (it is part of how a Latin name is written); `index_form` folds it for look-ups.
    """
    text = unicodedata.normalize("NFC", raw)
    text = "".join(NAME_SEPARATOR if ch in _SEPARATOR_LOOKALIKES else ch for ch in text)
    text = _drop_spaces_beside_han(normalize_text(text))
    # A full stop between ideographs (`买买提．艾力`, folded to ASCII above) is a slip for the dot.
    return "".join(
        NAME_SEPARATOR
        if ch == "." and 0 < i < len(text) - 1 and is_han(text[i - 1]) and is_han(text[i + 1])
        else ch
        for i, ch in enumerate(text)
    )


def normalize_address(raw: str) -> str:
    """An address: the generic text form without spaces beside ideographs."""
    return _drop_spaces_beside_han(normalize_text(raw))


def _ascii_compact(raw: str, drop: frozenset[str] = _DASHES) -> str:
    if raw.isascii():  # as most input is: NFKC leaves it as it is, and one table does the rest
        return raw.translate(_ascii_removed(drop))
    text = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in text if not ch.isspace() and ch not in drop and ch.isprintable())


@functools.cache
def _ascii_removed(drop: frozenset[str]) -> dict[int, None]:
    """The ASCII characters `_ascii_compact` removes, as a `str.translate` table."""
    return {
        c: None
        for c in range(128)
        if chr(c).isspace() or chr(c) in drop or not chr(c).isprintable()
    }


def normalize_resident_id(raw: str) -> str:
    """Digits folded to ASCII, spaces and dashes removed, a trailing `x` upper-cased."""
    return _ascii_compact(raw).upper()


_PHONE_PUNCTUATION = _DASHES | frozenset("().")


def normalize_mobile(raw: str) -> str:
    """Separators removed and the mainland country prefix (`+86`, `0086`, bare `86`) stripped.

    A bare `86` is stripped only when it leaves eleven digits starting with 1, so that a number that
    happens to start with 86 is never cut.
    """
    text = _ascii_compact(raw, _PHONE_PUNCTUATION)
    if text.startswith("+86"):
        return text[3:]
    if text.startswith("0086"):
        return text[4:]
    if len(text) == 13 and text.startswith("861"):
        return text[2:]
    return text


def normalize_bank_card(raw: str) -> str:
    """Digits folded to ASCII, spaces and dashes removed."""
    return _ascii_compact(raw)


def normalize_uscc(raw: str) -> str:
    """Unified social credit code: ASCII, no spaces or dashes, upper case."""
    return _ascii_compact(raw).upper()


def _name_index(raw: str) -> str:
    return normalize_name(raw).casefold()


def _address_index(raw: str) -> str:
    # Look-ups should not miss over where a typist put a space.
    return normalize_address(raw).replace(" ", "").casefold()


_INDEX_FORMS: Mapping[FieldKind, Callable[[str], str]] = MappingProxyType(
    {
        FieldKind.RESIDENT_ID: normalize_resident_id,
        FieldKind.MOBILE: normalize_mobile,
        FieldKind.BANK_CARD: normalize_bank_card,
        FieldKind.NAME: _name_index,
        FieldKind.ADDRESS: _address_index,
        FieldKind.USCC: normalize_uscc,
    }
)


def index_form(kind: FieldKind | None, raw: str) -> str:
    """What a blind index hashes: the normalized value, case-folded where case means nothing.

    `kind=None` is free text of no known kind: generic normalization, case-folded.
    """
    if kind is None:
        return normalize_text(raw).casefold()
    return _INDEX_FORMS[kind](raw)
