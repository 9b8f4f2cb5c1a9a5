"""Free-text normalization: width folding, whitespace, invisible characters, name separators."""

from hypothesis import given
from hypothesis import strategies as st

from fengkong.onboarding.normalize import (
    NAME_SEPARATOR,
    collapse_whitespace,
    fold_width,
    normalize_address,
    normalize_name,
    normalize_text,
)


def test_full_width_ascii_and_ideographic_space_fold_to_ascii() -> None:
    assert fold_width("ＡＢＣ１２３\u3000ｘ！") == "ABC123 x!"


def test_chinese_punctuation_is_left_alone() -> None:
    assert fold_width("北京市、朝阳区。") == "北京市、朝阳区。"


def test_kangxi_radical_folds_to_the_ordinary_ideograph() -> None:
    assert fold_width("\u2f00") == "一"


def test_compatibility_ideographs_outside_the_safe_list_survive() -> None:
    # NFKC would rewrite these into "(株)" and "平成": free text keeps them as typed.
    assert normalize_text("㈱公司㍻") == "㈱公司㍻"


def test_every_kind_of_whitespace_collapses_to_one_space() -> None:
    assert collapse_whitespace(" a\t\tb\n c\u00a0\u3000d ") == "a b c d"


def test_zero_width_characters_are_dropped() -> None:
    assert normalize_text("\ufeff张\u200b三\u200d") == "张三"


def test_spaces_beside_chinese_characters_are_dropped_in_names() -> None:
    assert normalize_name(" 张  三 ") == "张三"


def test_latin_names_keep_single_spaces_and_their_case() -> None:
    assert normalize_name("  John \t  McDonald ") == "John McDonald"


def test_separator_lookalikes_become_the_middle_dot() -> None:
    for dot in ("\u00b7", "\u2022", "\u2027", "\u30fb", "\uff65", "\u2219"):
        assert normalize_name(f"买买提{dot}艾力") == f"买买提{NAME_SEPARATOR}艾力"


def test_full_stop_between_chinese_characters_is_the_middle_dot() -> None:
    assert normalize_name("买买提 ． 艾力") == "买买提·艾力"
    assert normalize_name("J. Smith") == "J. Smith"


def test_address_drops_spaces_beside_ideographs_and_folds_width() -> None:
    assert normalize_address(" 北京市 朝阳区 建国路８８号 ") == "北京市朝阳区建国路88号"


@given(st.text())
def test_normalizers_are_idempotent(raw: str) -> None:
    for normalize in (normalize_text, normalize_name, normalize_address):
        once = normalize(raw)
        assert normalize(once) == once


@given(st.text())
def test_normalized_text_has_no_stray_spaces(raw: str) -> None:
    text = normalize_text(raw)
    assert text == text.strip()
    assert "  " not in text
    assert all(not ch.isspace() or ch == " " for ch in text)
