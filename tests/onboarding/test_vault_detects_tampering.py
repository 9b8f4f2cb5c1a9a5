"""A token that was altered, moved to another field or read under another key fails loudly."""

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.errors import IntegrityBroken
from fengkong.onboarding.vault import Vault, generate_keyring

VAULT = Vault(generate_keyring("k1"))
TOKEN_CHARS = string.ascii_letters + string.digits + "-_:=+/ "


@given(st.text(max_size=40), st.data())
def test_changing_any_character_breaks_the_token(clear: str, data: st.DataObject) -> None:
    token = VAULT.encrypt("resident_id", clear)
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.sampled_from(TOKEN_CHARS).filter(lambda c: c != token[position]))
    tampered = token[:position] + replacement + token[position + 1 :]
    with pytest.raises(IntegrityBroken):
        VAULT.decrypt("resident_id", tampered)


@given(st.text(max_size=40), st.data())
def test_cutting_or_extending_the_token_breaks_it(clear: str, data: st.DataObject) -> None:
    token = VAULT.encrypt("mobile", clear)
    cut = data.draw(st.integers(0, len(token) - 1))
    with pytest.raises(IntegrityBroken):
        VAULT.decrypt("mobile", token[:cut])
    with pytest.raises(IntegrityBroken):
        VAULT.decrypt("mobile", token + data.draw(st.sampled_from(TOKEN_CHARS)))


def test_flipping_any_bit_of_the_payload_breaks_the_token() -> None:
    import base64

    token = VAULT.encrypt("name", "王小明")
    head, payload = token.rsplit(":", 1)
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    for i in range(len(raw) * 8):
        flipped = bytearray(raw)
        flipped[i // 8] ^= 1 << (i % 8)
        forged = base64.urlsafe_b64encode(bytes(flipped)).decode().rstrip("=")
        with pytest.raises(IntegrityBroken):
            VAULT.decrypt("name", f"{head}:{forged}")


def test_a_token_moved_to_another_field_does_not_decrypt() -> None:
    token = VAULT.encrypt("mobile", "13812345678")
    with pytest.raises(IntegrityBroken, match="wrong key, wrong field or tampered"):
        VAULT.decrypt("contact_phone", token)


def test_another_key_under_the_same_id_does_not_decrypt() -> None:
    token = VAULT.encrypt("name", "王小明")
    with pytest.raises(IntegrityBroken):
        Vault(generate_keyring("k1")).decrypt("name", token)


def test_a_key_id_missing_from_the_ring_is_named() -> None:
    token = Vault(generate_keyring("k9")).encrypt("name", "王小明")
    with pytest.raises(IntegrityBroken, match="'k9'"):
        VAULT.decrypt("name", token)


def test_relabelling_the_key_id_does_not_help() -> None:
    ring = generate_keyring("k1").with_active_key("k2", bytes(range(32)))
    vault = Vault(ring)
    token = vault.encrypt("name", "王小明")
    relabelled = token.replace(":k2:", ":k1:", 1)
    with pytest.raises(IntegrityBroken):
        vault.decrypt("name", relabelled)


@pytest.mark.parametrize(
    "token", ["", "v1", "v1:k1", "v2:k1:AAAA", "v1:k1:", "v1:k 1:AAAA", "v1:k1:AA:AA", "v1:k1:AAAA"]
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(IntegrityBroken):
        VAULT.decrypt("name", token)
