"""Display masks: one shape per kind, computed on the normalized value, never too revealing."""

import pytest

from fengkong.onboarding.masking import mask
from fengkong.onboarding.normalize import FieldKind
from fengkong.onboarding.vault import Vault


@pytest.mark.parametrize(
    ("kind", "clear", "masked"),
    [
        ("resident_id", "11010519491231002x", "110***********002X"),
        ("mobile", "+86 138 1234 5678", "138****5678"),
        ("bank_card", "6222 0212 3456 7890", "6222 **** **** 7890"),
        ("bank_card", "6222021234567890123", "6222 **** **** 0123"),
        ("bank_card", "622202123456", "6222 **** **** 3456"),
        ("name", "张三", "张*"),
        ("name", "王小明", "王*明"),
        ("name", "欧阳娜娜", "欧**娜"),
        ("name", "买买提·艾力", "买**·*力"),
        ("name", "John Smith", "J*** ****h"),
        ("name", "张", "*"),
        ("address", "北京市朝阳区建国路88号", "北京市朝阳区****"),
        ("uscc", "91350100M000100Y43", "91350100*********3"),
    ],
)
def test_mask_shapes(kind: str, clear: str, masked: str) -> None:
    assert mask(kind, clear) == masked
    assert Vault.mask(FieldKind(kind), clear) == masked


@pytest.mark.parametrize(
    ("kind", "clear"),
    [("resident_id", "1101051"), ("mobile", "1381234"), ("bank_card", "62220212")],
)
def test_values_too_short_to_keep_their_ends_are_masked_entirely(kind: str, clear: str) -> None:
    assert set(mask(kind, clear)) == {"*"}


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        mask("password", "hunter2")
