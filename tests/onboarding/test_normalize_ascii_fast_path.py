"""ASCII input, most of what arrives, takes a translate table instead of NFKC and a filter per
character. A leading ideographic space (U+3000) sends the same text down the general path, and
normalization removes it: for any ASCII text both paths give the same canonical form."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.onboarding.normalize import (
    normalize_bank_card,
    normalize_mobile,
    normalize_resident_id,
)

ASCII = st.text(alphabet=st.characters(max_codepoint=127), max_size=40)
IDEOGRAPHIC_SPACE = "\u3000"


@pytest.mark.parametrize(
    "normalize", [normalize_resident_id, normalize_bank_card, normalize_mobile]
)
@given(raw=ASCII)
def test_ascii_takes_the_fast_path_to_the_same_form(
    normalize: Callable[[str], str], raw: str
) -> None:
    assert normalize(raw) == normalize(IDEOGRAPHIC_SPACE + raw)


def test_the_fast_path_removes_controls_spaces_and_dashes() -> None:
    assert normalize_bank_card(" 6222-0200\t0000\x00 0000 ") == "6222020000000000"
