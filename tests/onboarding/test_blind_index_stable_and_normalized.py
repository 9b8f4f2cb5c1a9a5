"""Blind indexes: equal values index alike whatever their typed form, across rotations of the
data keys, and reveal nothing without the index key."""

import re

from hypothesis import given
from hypothesis import strategies as st

from fengkong.onboarding.vault import KEY_BYTES, Vault, generate_keyring

RING = generate_keyring("k1")
VAULT = Vault(RING)


@given(st.sampled_from(["mobile", "name", "resident_id", "address", "notes"]), st.text())
def test_stable_across_rotation_of_the_data_keys(field: str, clear: str) -> None:
    rotated = Vault(RING.with_active_key("k2", bytes(range(KEY_BYTES))).without_key("k1"))
    assert rotated.blind_index(field, clear) == VAULT.blind_index(field, clear)


@given(st.text())
def test_is_64_hex_digits(clear: str) -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", VAULT.blind_index("name", clear))


def test_typed_variants_of_one_value_index_alike() -> None:
    same = {
        "mobile": ("13812345678", "+86 138-1234-5678", "００８６１３８１２３４５６７８"),
        "resident_id": ("11010519491231002X", "110105 19491231 002x"),
        "bank_card": ("6222021234567890", "6222 0212 3456 7890"),
        "name": ("王小明", " 王 小明 ", "王\u200b小明"),
        "address": ("北京市朝阳区建国路88号", "北京市 朝阳区 建国路８８号"),
    }
    for field, variants in same.items():
        assert len({VAULT.blind_index(field, v) for v in variants}) == 1, field


def test_latin_names_index_without_regard_to_case() -> None:
    assert VAULT.blind_index("name", "John SMITH") == VAULT.blind_index("name", "john smith")


def test_aliases_of_one_kind_share_an_index_space() -> None:
    assert VAULT.blind_index("phone", "13812345678") == VAULT.blind_index("mobile", "13812345678")
    assert VAULT.blind_index("id_number", "11010519491231002X") == VAULT.blind_index(
        "resident_id", "11010519491231002X"
    )


def test_different_kinds_do_not_collide() -> None:
    assert VAULT.blind_index("mobile", "13812345678") != VAULT.blind_index(
        "bank_card", "13812345678"
    )
    assert VAULT.blind_index("notes", "x") != VAULT.blind_index("remarks", "x")


def test_different_values_and_different_index_keys_differ() -> None:
    assert VAULT.blind_index("mobile", "13812345678") != VAULT.blind_index("mobile", "13812345679")
    other = Vault(generate_keyring("k1"))
    assert other.blind_index("mobile", "13812345678") != VAULT.blind_index("mobile", "13812345678")
