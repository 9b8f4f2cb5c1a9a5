"""Rotating keys: old tokens still decrypt, rotated tokens move to the active key and survive the
retirement of the old one."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.errors import IntegrityBroken, Invalid
from fengkong.onboarding.vault import KEY_BYTES, Vault, generate_keyring

OLD_RING = generate_keyring("k1")
NEW_RING = OLD_RING.with_active_key("k2", bytes(range(KEY_BYTES)))


@given(st.text(min_size=1, max_size=20), st.text())
def test_rotation_keeps_the_value_and_moves_to_the_active_key(field: str, clear: str) -> None:
    old_token = Vault(OLD_RING).encrypt(field, clear)
    vault = Vault(NEW_RING)
    assert vault.needs_rotation(old_token)
    assert vault.decrypt(field, old_token) == clear
    rotated = vault.rotate(field, old_token)
    assert rotated.split(":")[1] == "k2"
    assert not vault.needs_rotation(rotated)
    assert Vault(NEW_RING.without_key("k1")).decrypt(field, rotated) == clear


def test_rotating_a_current_token_returns_it_unchanged() -> None:
    vault = Vault(NEW_RING)
    token = vault.encrypt("name", "王小明")
    assert vault.rotate("name", token) == token


def test_rotation_refuses_a_bad_token_even_under_the_active_key() -> None:
    vault = Vault(NEW_RING)
    token = vault.encrypt("name", "王小明")
    with pytest.raises(IntegrityBroken):
        vault.rotate("mobile", token)


def test_after_retiring_the_old_key_unrotated_tokens_fail() -> None:
    old_token = Vault(OLD_RING).encrypt("name", "王小明")
    with pytest.raises(IntegrityBroken):
        Vault(NEW_RING.without_key("k1")).decrypt("name", old_token)


def test_the_active_key_cannot_be_retired() -> None:
    with pytest.raises(Invalid):
        NEW_RING.without_key("k2")


def test_a_key_id_cannot_be_reused_for_another_key() -> None:
    with pytest.raises(Invalid):
        NEW_RING.with_active_key("k1", bytes(KEY_BYTES))
