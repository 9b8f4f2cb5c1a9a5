"""The borrower's industry (所属行业): a section of GB/T 4754-2017, *Industrial classification for
national economic activities* (国民经济行业分类), the letters `A` to `T`, kept on the application so
that the portfolio can be read, and its concentration measured, by industry (`monitoring`).

For a small business it is the business's own industry; for an individual, the industry of the
employer. It is optional: the application body may leave it out (`industry` absent or null),
and an application stored without one (or before migration 0035) reports as `unknown`, not a
guess. Only the twenty section letters are allowed (upper case; a lower-case letter is taken
as its capital): a finer code (division `C13`, group `C131`) is refused rather than cut, since
a cut would hide a caller's mistake in the books.

The industry is not read by the policy or the model: it tells where the book's risk gathers,
not who the applicant is.
"""

from __future__ import annotations

from dataclasses import dataclass

from fengkong.core.errors import FieldError

UNKNOWN_INDUSTRY = "unknown"  # an application stored without an industry


@dataclass(frozen=True, slots=True)
class Industry:
    code: str  # one letter, the GB/T 4754-2017 section (门类)
    zh: str
    en: str


_INDUSTRIES: tuple[Industry, ...] = (
    Industry("A", "农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery"),
    Industry("B", "采矿业", "Mining"),
    Industry("C", "制造业", "Manufacturing"),
    Industry(
        "D",
        "电力、热力、燃气及水生产和供应业",
        "Electricity, heat, gas and water production and supply",
    ),
    Industry("E", "建筑业", "Construction"),
    Industry("F", "批发和零售业", "Wholesale and retail trade"),
    Industry("G", "交通运输、仓储和邮政业", "Transport, storage and postal services"),
    Industry("H", "住宿和餐饮业", "Accommodation and catering"),
    Industry(
        "I",
        "信息传输、软件和信息技术服务业",
        "Information transmission, software and information technology services",
    ),
    Industry("J", "金融业", "Finance"),
    Industry("K", "房地产业", "Real estate"),
    Industry("L", "租赁和商务服务业", "Leasing and business services"),
    Industry("M", "科学研究和技术服务业", "Scientific research and technical services"),
    Industry(
        "N", "水利、环境和公共设施管理业", "Water, environment and public facilities management"
    ),
    Industry("O", "居民服务、修理和其他服务业", "Household, repair and other services"),
    Industry("P", "教育", "Education"),
    Industry("Q", "卫生和社会工作", "Health and social work"),
    Industry("R", "文化、体育和娱乐业", "Culture, sports and entertainment"),
    Industry(
        "S",
        "公共管理、社会保障和社会组织",
        "Public administration, social security and social organisations",
    ),
    Industry("T", "国际组织", "International organisations"),
)
INDUSTRIES: dict[str, Industry] = {i.code: i for i in _INDUSTRIES}
INDUSTRY_CODES: tuple[str, ...] = tuple(INDUSTRIES)


def allowed_industries() -> str:
    """The allowed codes with their English names, as messages list them."""
    return ", ".join(f"{i.code} ({i.en})" for i in _INDUSTRIES)


def normal_industry(value: str) -> str:
    """`value` as stored: stripped, upper case."""
    return value.strip().upper()


def check_industry(value: object, loc: tuple[str | int, ...]) -> FieldError | None:
    """The error for an industry that is not a GB/T 4754 section letter (naming the allowed
    ones), or None; `value` is taken as `normal_industry` leaves it."""
    if isinstance(value, str) and normal_industry(value) in INDUSTRIES:
        return None
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "…"
    return FieldError(
        loc,
        f"{shown} is not an industry: a GB/T 4754-2017 section letter is required, one of "
        + ", ".join(INDUSTRY_CODES),
        "enum",
        INDUSTRY_CODES,
    )


def industry_name(code: str, language: str = "en") -> str:
    """The industry's name in `language` (`zh` or `en`); the code itself when it names none
    (`unknown`)."""
    industry = INDUSTRIES.get(code)
    if industry is None:
        return code
    return industry.zh if language == "zh" else industry.en
