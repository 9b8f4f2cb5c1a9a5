"""Validators for the identifying numbers an applicant submits: resident ID (GB 11643), unified
social credit code (GB 32100), mainland mobile number and bank card (Luhn). Each is a pure
function that normalizes its input and either returns the canonical value or raises `Invalid`
listing every problem it found, in words that say what is wrong and never repeat the personal
data itself.

Names and addresses are checked in `onboarding.name_address`; `onboarding.field_check` runs many
validators over a form and gathers every field's errors at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import NoReturn

from fengkong.core.errors import FieldError, Invalid
from fengkong.onboarding.masking import mask_resident_id
from fengkong.onboarding.normalize import (
    FieldKind,
    normalize_bank_card,
    normalize_mobile,
    normalize_resident_id,
    normalize_uscc,
)

__all__ = [
    "PROVINCE_CODES",
    "USCC_ALPHABET",
    "ResidentId",
    "Sex",
    "age_on",
    "luhn_check_digit",
    "resident_id_check_digit",
    "uscc_check_character",
    "validate_bank_card",
    "validate_mobile",
    "validate_resident_id",
    "validate_uscc",
]

_DIGITS = frozenset("0123456789")

# Province-level codes of GB/T 2260, the first two digits of a resident ID (GB 11643-1999 §5.1).
# 71 (Taiwan) is listed by GB/T 2260; 81, 82, 83 begin the residence permits issued since 2018 to
# residents of Hong Kong, Macao and Taiwan, which share the format and check digit. The foreigners'
# permanent residence card (2023) also has 18 characters but starts with 9: a different document.
PROVINCE_CODES: frozenset[str] = frozenset(
    {"11", "12", "13", "14", "15"}
    | {"21", "22", "23"}
    | {"31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46"}
    | {"50", "51", "52", "53", "54"}
    | {"61", "62", "63", "64", "65"}
    | {"71", "81", "82", "83"}
)
_RESIDENCE_PERMIT_PREFIXES = frozenset({"81", "82", "83"})
_EARLIEST_BIRTH_YEAR = 1800  # GB 11643's own worked example was born in 1880.


def _fail(kind: FieldKind, problems: list[tuple[str, str]]) -> NoReturn:
    raise Invalid(tuple(FieldError((kind.value,), msg, type_) for msg, type_ in problems))


def _non_ascii_digit_positions(text: str) -> list[int]:
    return [i + 1 for i, ch in enumerate(text) if ch not in _DIGITS]


def _positions(positions: list[int], singular: str, plural: str) -> str:
    shown = ", ".join(map(str, positions[:5]))
    more = f" and {len(positions) - 5} more" if len(positions) > 5 else ""
    if len(positions) == 1:
        return f"position {shown} {singular}"
    return f"positions {shown}{more} {plural}"


# --- resident ID (居民身份证号码, GB 11643-1999) ---


class Sex(StrEnum):
    MALE = "male"  # 男
    FEMALE = "female"  # 女


def age_on(subject: ResidentId | date, as_of: date) -> int:
    """Whole years completed on `as_of`. Someone born on 29 February turns a year older on 1 March
    in common years: their birthday has not come while the date reads 28 February."""
    born = subject.birth_date if isinstance(subject, ResidentId) else subject
    if as_of < born:
        raise ValueError("as_of precedes the birth date")
    return as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))


@dataclass(frozen=True, slots=True, repr=False)
class ResidentId:
    """A validated 18-character resident ID number and what it encodes."""

    number: str  # canonical: 17 ASCII digits and a digit or `X`
    birth_date: date
    sex: Sex
    region_code: str  # the six-digit address code, GB/T 2260

    @property
    def province_code(self) -> str:
        return self.region_code[:2]

    @property
    def is_residence_permit(self) -> bool:
        """A Hong Kong, Macao or Taiwan residents' residence permit (港澳台居民居住证)."""
        return self.province_code in _RESIDENCE_PERMIT_PREFIXES

    def age_on(self, as_of: date) -> int:
        return age_on(self.birth_date, as_of)

    def __repr__(self) -> str:
        # The number and birth date are personal data: never let a log line or traceback carry them.
        return f"ResidentId(number={mask_resident_id(self.number)!r}, sex={self.sex.value!r})"


_RESIDENT_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_RESIDENT_ID_CHECK = "10X98765432"  # indexed by the weighted sum mod 11


def resident_id_check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits of a resident ID."""
    if len(first17) != 17 or not set(first17) <= _DIGITS:
        raise ValueError("the check digit is computed over exactly 17 ASCII digits")
    total = sum(int(ch) * w for ch, w in zip(first17, _RESIDENT_ID_WEIGHTS, strict=True))
    return _RESIDENT_ID_CHECK[total % 11]


def _birth_date_problems(number: str, as_of: date) -> tuple[date | None, list[tuple[str, str]]]:
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    try:
        born = date(year, month, day)
    except ValueError:
        return None, [("the birth date (positions 7–14) is not a real calendar date", "birth_date")]
    if year < _EARLIEST_BIRTH_YEAR:
        return None, [
            (f"the birth year in positions 7–10 is before {_EARLIEST_BIRTH_YEAR}", "birth_date")
        ]
    if born > as_of:
        return None, [(f"the birth date is after {as_of.isoformat()}", "birth_date")]
    return born, []


_FIRST_GENERATION = (
    "a 15-digit first-generation ID number is not accepted; give the 18-character number"
)


def validate_resident_id(
    raw: str, as_of: date, *, min_age: int | None = None, max_age: int | None = None
) -> ResidentId:
    """An 18-character resident ID: format, province prefix, real birth date not after `as_of`,
    check digit, and — when asked — an age within `[min_age, max_age]` on `as_of`."""
    number = normalize_resident_id(raw)
    kind = FieldKind.RESIDENT_ID
    if len(number) == 15 and set(number) <= _DIGITS:
        _fail(kind, [(_FIRST_GENERATION, "length")])
    if len(number) != 18:
        _fail(kind, [(f"must have 18 characters, got {len(number)}", "length")])
    shape: list[tuple[str, str]] = []
    if bad := _non_ascii_digit_positions(number[:17]):
        where = _positions(bad, "is not", "are not")
        shape.append((f"characters 1–17 must be digits; {where}", "format"))
    if number[17] not in _DIGITS and number[17] != "X":
        shape.append(("the check character (position 18) must be a digit or X", "format"))
    if shape:
        _fail(kind, shape)

    problems: list[tuple[str, str]] = []
    if number[:2] not in PROVINCE_CODES:
        problems.append(
            (
                f"unknown region prefix {number[:2]}: the first two digits must be a province "
                "code (11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71, 81–83)",
                "region",
            )
        )
    born, date_problems = _birth_date_problems(number, as_of)
    problems.extend(date_problems)
    expected = resident_id_check_digit(number[:17])
    if number[17] != expected:
        problems.append(
            (f"bad check digit: expected {expected!r}, got {number[17]!r}", "check_digit")
        )
    if born is not None:
        age = age_on(born, as_of)
        if min_age is not None and age < min_age:
            problems.append(
                (f"age {age} on {as_of.isoformat()} is under the minimum of {min_age}", "underage")
            )
        if max_age is not None and age > max_age:
            problems.append(
                (f"age {age} on {as_of.isoformat()} is over the maximum of {max_age}", "overage")
            )
    if problems or born is None:
        _fail(kind, problems)
    sex = Sex.MALE if int(number[16]) % 2 == 1 else Sex.FEMALE
    return ResidentId(number=number, birth_date=born, sex=sex, region_code=number[:6])


# --- unified social credit code (统一社会信用代码, GB 32100-2015) ---

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
_USCC_VALUE = MappingProxyType({ch: i for i, ch in enumerate(USCC_ALPHABET)})
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def uscc_check_character(first17: str) -> str:
    """The GB 32100-2015 check character: 31 minus the weighted sum mod 31, as a code character."""
    if len(first17) != 17 or any(ch not in _USCC_VALUE for ch in first17):
        raise ValueError("the check character is computed over 17 characters of the USCC alphabet")
    total = sum(_USCC_VALUE[ch] * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(raw: str) -> str:
    """An 18-character unified social credit code: alphabet, numeric region, check character."""
    code = normalize_uscc(raw)
    kind = FieldKind.USCC
    if len(code) != 18:
        _fail(kind, [(f"must have 18 characters, got {len(code)}", "length")])
    problems: list[tuple[str, str]] = []
    if bad := [i + 1 for i, ch in enumerate(code) if ch not in _USCC_VALUE]:
        problems.append(
            (
                f"{_positions(bad, 'holds a character', 'hold characters')} outside the code's "
                "alphabet (digits and capital letters except I, O, S, V, Z)",
                "format",
            )
        )
    if _non_ascii_digit_positions(code[2:8]):
        problems.append(("positions 3–8 (the registration region code) must be digits", "format"))
    if not bad:
        expected = uscc_check_character(code[:17])
        if code[17] != expected:
            problems.append(
                (f"bad check character: expected {expected!r}, got {code[17]!r}", "check_digit")
            )
    if problems:
        _fail(kind, problems)
    return code


# --- mainland mobile number (手机号) ---


def validate_mobile(raw: str) -> str:
    """A mainland mobile number, returned as its 11 digits."""
    number = normalize_mobile(raw)
    kind = FieldKind.MOBILE
    if number.startswith("+"):
        _fail(kind, [("only mainland numbers (+86) are accepted", "format")])
    if _non_ascii_digit_positions(number):
        _fail(kind, [("may contain only digits, spaces, dashes and a +86 prefix", "format")])
    if len(number) != 11:
        _fail(kind, [(f"a mainland mobile number has 11 digits, got {len(number)}", "length")])
    if number[0] != "1" or number[1] not in "3456789":
        _fail(kind, [("a mainland mobile number starts with 13 to 19", "format")])
    return number


# --- bank card number (银行卡号) ---

BANK_CARD_MIN_DIGITS = 12
BANK_CARD_MAX_DIGITS = 19


def luhn_check_digit(body: str) -> str:
    """The Luhn (ISO/IEC 7812) digit that completes `body`."""
    if not body or not set(body) <= _DIGITS:
        raise ValueError("the Luhn digit is computed over ASCII digits")
    total = 0
    for i, ch in enumerate(reversed(body)):
        digit = int(ch)
        if i % 2 == 0:  # the rightmost body digit sits next to the check digit: doubled
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str(-total % 10)


def validate_bank_card(raw: str) -> str:
    """A bank card number of 12 to 19 digits whose last digit is its Luhn check digit."""
    number = normalize_bank_card(raw)
    kind = FieldKind.BANK_CARD
    if _non_ascii_digit_positions(number):
        _fail(kind, [("may contain only digits, spaces and dashes", "format")])
    if not BANK_CARD_MIN_DIGITS <= len(number) <= BANK_CARD_MAX_DIGITS:
        _fail(
            kind,
            [
                (
                    f"a bank card number has {BANK_CARD_MIN_DIGITS} to {BANK_CARD_MAX_DIGITS} "
                    f"digits, got {len(number)}",
                    "length",
                )
            ],
        )
    expected = luhn_check_digit(number[:-1])
    if number[-1] != expected:
        message = f"bad check digit (Luhn): expected {expected}, got {number[-1]}"
        _fail(kind, [(message, "check_digit")])
    return number
