"""The console's languages: Simplified Chinese (zh-CN) and English, chosen per person (a cookie the
language switch sets, else the browser's `Accept-Language`), with Babel's catalogues, numbers,
money and dates.

The English texts are the message ids; the Chinese ones live in `locale/zh_CN/LC_MESSAGES/
console.po` (read at start-up and compiled in memory, so no binary catalogue is kept in the
repository). A test extracts every message of the templates and modules and requires a Chinese
translation of each, free of English words."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import NullTranslations, Translations

from fengkong.core.money import fen_to_yuan

COOKIE = "fengkong_lang"
# The language tags the console speaks, as a person picks them, and Babel's name of each.
LANGUAGES: Mapping[str, str] = {"zh-CN": "zh_Hans_CN", "en": "en"}
DEFAULT = "zh-CN"
DOMAIN = "console"


def N_(message: str) -> str:
    """Mark `message` for the catalogue where it is defined, to be translated where it is shown
    (the extraction tool looks for `_(…)` and `N_(…)`)."""
    return message


# The refusal said beside a field when nothing more particular is known of what is wrong.
NOT_VALID = N_("This value is not valid.")


@cache
def catalogue_path(tag: str) -> Any:
    folder = tag.replace("-", "_")
    return files("fengkong.web") / "locale" / folder / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _translations(tag: str) -> NullTranslations:
    if tag == "en":  # the message ids are the English texts
        return NullTranslations()
    with catalogue_path(tag).open("rb") as po:
        catalogue = read_po(po, locale=LANGUAGES[tag])
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@dataclass(frozen=True, slots=True)
class Language:
    """One language's texts and formats; `tag` is `zh-CN` or `en`."""

    tag: str

    @property
    def locale(self) -> Locale:
        return Locale.parse(LANGUAGES[self.tag])

    @property
    def html_lang(self) -> str:
        return self.tag

    def gettext(self, message: str, **values: Any) -> str:
        """The message in this language, with `%(name)s` placeholders filled from `values`."""
        text: str = _translations(self.tag).gettext(message)
        return text % values if values else text

    def money(self, fen: int | None) -> str:
        """Integer fen as this language writes yuan: `¥1,234.56`."""
        if fen is None:
            return "—"
        return format_currency(fen_to_yuan(fen), "CNY", locale=self.locale)

    def number(self, value: int | Decimal | None) -> str:
        if value is None:
            return "—"
        return format_decimal(value, locale=self.locale)

    def percent(self, rate: Decimal | float | str | None, digits: int = 2) -> str:
        """A rate (0.0123) as a percentage with `digits` decimals (1.23%)."""
        if rate is None:
            return "—"
        pattern = "#,##0." + "0" * digits + "%" if digits else "#,##0%"
        return format_percent(Decimal(str(rate)), format=pattern, locale=self.locale)

    def day(self, value: date | str | None) -> str:
        if value is None:
            return "—"
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return format_date(day, format="medium", locale=self.locale)

    def moment(self, value: datetime | None) -> str:
        if value is None:
            return "—"
        return format_datetime(value, format="medium", locale=self.locale)


def language(tag: str | None) -> Language:
    """The language of `tag` when the console speaks it, else the default."""
    return Language(tag if tag is not None and tag in LANGUAGES else DEFAULT)


def negotiated(cookie: str | None, accept_language: str | None) -> Language:
    """The person's choice (the cookie) first, then the browser's preference, then Chinese."""
    if cookie is not None and cookie in LANGUAGES:
        return Language(cookie)
    wanted = [
        part.split(";")[0].strip().replace("-", "_")
        for part in (accept_language or "").split(",")
        if part.strip()
    ]
    found = Locale.negotiate(wanted, ["zh_CN", "en"], sep="_") if wanted else None
    if found is None:
        return Language(DEFAULT)
    return Language("en" if found.language == "en" else "zh-CN")
