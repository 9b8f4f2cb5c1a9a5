"""Every message of the console's templates and modules has its Chinese text, with the same
placeholders and no English words inside; the catalogue keeps no message the code no longer
uses; a page follows the person's choice of language, else the browser's."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from web.conftest import as_staff, csrf_of

WEB = Path(str(files("fengkong.web")))
KEYWORDS = {"_": None, "N_": None, "say": None}
METHODS = [("**/templates/**.j2", "jinja2"), ("**.py", "python")]
# Words Chinese risk teams write in Latin letters too.
LATIN_ALLOWED = {"M1", "M3", "TOTP", "PD", "ID", "API", "CSV", "AUC", "KS", "PSI", "HHI"}
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")


def extracted() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(WEB), METHODS, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue() -> dict[str, str]:
    path = WEB / "locale" / "zh_CN" / "LC_MESSAGES" / "console.po"
    with path.open("rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id}


def latin_words(text: str) -> set[str]:
    bare = PLACEHOLDER.sub("", text)
    return set(re.findall(r"[A-Za-z][A-Za-z0-9]*", bare)) - LATIN_ALLOWED


def test_every_message_has_its_chinese_text() -> None:
    zh = catalogue()
    missing = sorted(m for m in extracted() if not zh.get(m))
    assert missing == [], f"messages without a Chinese text (make messages): {missing}"


def test_the_catalogue_keeps_no_stale_message() -> None:
    stale = sorted(set(catalogue()) - extracted())
    assert stale == [], f"messages the console no longer uses (make messages): {stale}"


def test_chinese_texts_keep_the_placeholders_and_hold_no_english() -> None:
    for message, text in catalogue().items():
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(message)), message
        assert latin_words(text) == set(), f"{message!r} → {text!r}"


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "placeholder", "title") and value:
                self.words.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.words.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.words


def test_a_chinese_page_shows_no_english(console: TestClient) -> None:
    console.cookies.set("fengkong_lang", "zh-CN")
    pages = [console.get("/console/login")]
    as_staff(console, "fks_risk")
    pages += [console.get("/console/dashboard"), console.get("/console/no-such-page")]
    for page in pages:
        words = [w for w in visible_text(page.text) if w not in ("English", "risk", "rita")]
        english = [w for w in words if latin_words(w)]
        assert english == [], english


def test_the_language_follows_the_choice_then_the_browser(console: TestClient) -> None:
    assert 'lang="en"' in console.get("/console/login", headers={"Accept-Language": "en-GB"}).text
    assert 'lang="zh-CN"' in console.get("/console/login", headers={"Accept-Language": "zh"}).text
    assert 'lang="zh-CN"' in console.get("/console/login").text  # no preference: Chinese
    page = console.get("/console/login", headers={"Accept-Language": "zh-CN"})
    chosen = console.post(
        "/console/language",
        data={"lang": "en", "next": "/console/login", "csrf": csrf_of(page.text)},
    )
    assert chosen.status_code == 303 and chosen.headers["location"] == "/console/login"
    shown = console.get("/console/login", headers={"Accept-Language": "zh-CN"})
    assert 'lang="en"' in shown.text and "Log in" in shown.text
