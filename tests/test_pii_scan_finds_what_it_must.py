"""The scanner behind `test_no_clear_personal_data_anywhere` finds each kind of value in clear
wherever text holds it (JSON, a CSV, a log line, Chinese around it), leaves alone what only looks
like one (a wrong check digit, a digest, a coefficient, a microsecond instant), and reports where
and a mask, never the value."""

from __future__ import annotations

import json
from pathlib import Path

from pii_scan import Leak, redact, report, scan_cells, scan_files, scan_text

ID = "110105199003071239"  # a true check digit
PHONE = "13800138000"
CARD = "6222021234567890128"  # passes Luhn
NAME = "欧阳明远"


def kinds(text: str) -> list[str]:
    return [leak.kind for leak in scan_text(text, "t", [NAME])]


def test_each_kind_is_found_in_any_surrounding() -> None:
    assert kinds(f'{{"id_number": "{ID}"}}') == ["resident ID"]
    assert kinds(f"身份证{ID}，手机{PHONE}。") == ["resident ID", "mobile"]
    assert kinds(f"card,{CARD}\n") == ["bank card"]
    assert kinds(f"borrower {NAME} signed") == ["name"]
    assert kinds(json.dumps({"name": NAME})) == ["name"]  # \\u escapes
    assert kinds(f"{ID[:17]}x".replace("9x", "9X")) == []  # a wrong check digit: not an ID


def test_what_only_looks_like_personal_data_is_left_alone() -> None:
    digest = "ab13800138000cd" + "0" * 40
    assert kinds(digest) == []
    assert kinds("0.62220212345678901286 1.6222021234567890128e-05") == []
    assert kinds("score 1772443800000000 and 17724438000000001") == []
    assert kinds(f"{ID}1 1{PHONE}") == []  # longer numbers


def test_leaks_name_the_place_and_a_mask_never_the_value(tmp_path: Path) -> None:
    (tmp_path / "report.csv").write_text(f"a,b\n1,{PHONE}\n", encoding="utf-8")
    (tmp_path / "blob.db").write_bytes(b"\x00\xff" + ID.encode() + b"\x00")
    found = scan_files(tmp_path, [NAME])
    assert found == [
        Leak("blob.db:1", "resident ID", "110***********1239"),
        Leak("report.csv:2", "mobile", "138****8000"),
    ]
    cells = scan_cells([("app_1", [("note", f"call {NAME}"), ("doc", {"p": PHONE})])], "x", [NAME])
    assert [str(c) for c in cells] == [
        "table x column note row app_1: name 欧**远",
        "table x column doc row app_1: mobile 138****8000",
    ]
    text = report(found + cells)
    assert PHONE not in text and ID not in text and NAME not in text
    assert redact(f"{NAME} {ID} {PHONE} {CARD}", [NAME]) == (
        "欧**远 110***********1239 138****8000 6222 **** **** 0128"
    )
