"""A scanner for personal data in clear: mainland resident ID numbers (18 characters whose check
digit is right, GB 11643), mobile numbers (`1[3-9]` and nine digits), bank card numbers (13 to 19
digits passing Luhn, of an issuer whose number starts with 2 to 6) and the literal names of the
people a test made up (also as a JSON renderer escapes them).

A leak is reported by where it is and by the value's mask, never the value: a failing test's
output ends up in CI logs, which must not hold what it found.

Numbers are matched between characters that are not ASCII letters or digits, nor inside a
decimal, so that hex digests, base64 ciphertexts, longer numbers (microsecond instants) and a
model's coefficients do not match by chance; a Chinese character or other punctuation around a
number still lets it match.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from fengkong.onboarding.masking import mask_bank_card, mask_mobile, mask_name, mask_resident_id
from fengkong.onboarding.validators import (
    PROVINCE_CODES,
    luhn_check_digit,
    resident_id_check_digit,
)

# Not inside a longer run of letters and digits, nor a decimal's fraction or integer part.
_EDGE_BEFORE = r"(?<![0-9A-Za-z.])"
_EDGE_AFTER = r"(?![0-9A-Za-z]|\.[0-9])"
RESIDENT_ID = re.compile(_EDGE_BEFORE + r"(\d{17}[0-9Xx])" + _EDGE_AFTER)
MOBILE = re.compile(_EDGE_BEFORE + r"(1[3-9]\d{9})" + _EDGE_AFTER)
BANK_CARD = re.compile(_EDGE_BEFORE + r"([2-6]\d{12,18})" + _EDGE_AFTER)


@dataclass(frozen=True, slots=True)
class Leak:
    """One value in clear: where it is, which kind, and its mask (never the value)."""

    where: str
    kind: str
    masked: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind} {self.masked}"


def is_resident_id(candidate: str) -> bool:
    return candidate[:2] in PROVINCE_CODES and (
        resident_id_check_digit(candidate[:17]) == candidate[17].upper()
    )


def is_bank_card(candidate: str) -> bool:
    return luhn_check_digit(candidate[:-1]) == candidate[-1]


def name_forms(name: str) -> tuple[str, ...]:
    """The name as typed and as a JSON renderer may escape it (`\\u5f20\\u4e09`)."""
    escaped = json.dumps(name)[1:-1]
    return (name, escaped, escaped.upper().replace("\\U", "\\u"))


def findings(text: str, names: Sequence[str]) -> Iterator[tuple[str, str]]:
    """(kind, mask) of every value in clear in `text`."""
    for m in RESIDENT_ID.finditer(text):
        if is_resident_id(m.group(1)):
            yield "resident ID", mask_resident_id(m.group(1))
    for m in MOBILE.finditer(text):
        yield "mobile", mask_mobile(m.group(1))
    for m in BANK_CARD.finditer(text):
        candidate = m.group(1)
        if is_bank_card(candidate) and not (len(candidate) == 18 and is_resident_id(candidate)):
            yield "bank card", mask_bank_card(candidate)
    for name in names:
        if any(form in text for form in name_forms(name)):
            yield "name", mask_name(name)


def redact(text: str, names: Sequence[str] = ()) -> str:
    """`text` with every value `findings` would report replaced by its mask: safe to print."""
    text = RESIDENT_ID.sub(
        lambda m: mask_resident_id(m.group(1)) if is_resident_id(m.group(1)) else m.group(0), text
    )
    text = MOBILE.sub(lambda m: mask_mobile(m.group(1)), text)
    text = BANK_CARD.sub(
        lambda m: mask_bank_card(m.group(1)) if is_bank_card(m.group(1)) else m.group(0), text
    )
    for name in names:
        for form in name_forms(name):
            text = text.replace(form, mask_name(name))
    return text


def scan_text(text: str, where: str, names: Sequence[str]) -> list[Leak]:
    """Every leak in `text`, line by line: `where:line`."""
    leaks: list[Leak] = []
    for number, line in enumerate(text.splitlines(), 1):
        leaks.extend(Leak(f"{where}:{number}", k, m) for k, m in findings(line, names))
    return leaks


def scan_cells(
    rows: Iterable[tuple[str, Sequence[tuple[str, object]]]], table: str, names: Sequence[str]
) -> list[Leak]:
    """Every leak in a table's rows, given as (row key, [(column, value)…]): `table.column[key]`."""
    leaks: list[Leak] = []
    for key, cells in rows:
        for column, value in cells:
            text = value if isinstance(value, str) else _text(value)
            where = f"table {table} column {column} row {redact(key, names)}"
            leaks.extend(Leak(where, k, m) for k, m in dict.fromkeys(findings(text, names)))
    return leaks


def _text(value: object) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False) + json.dumps(value)
    return str(value)


def scan_files(root: Path, names: Sequence[str], *, skip: Iterable[Path] = ()) -> list[Leak]:
    """Every leak in every file under `root` but those under `skip` (binary files read as UTF-8,
    errors replaced, so a SQLite file's free pages are read too): `path:line` relative to
    `root`."""
    skipped = [p.resolve() for p in skip]
    leaks: list[Leak] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if any(path.resolve().is_relative_to(s) for s in skipped):
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        leaks.extend(scan_text(text, str(path.relative_to(root)), names))
    return leaks


def report(leaks: Sequence[Leak]) -> str:
    """The leaks, one a line, for an assertion message."""
    return f"{len(leaks)} value(s) in clear:\n" + "\n".join(f"  {leak}" for leak in leaks)
