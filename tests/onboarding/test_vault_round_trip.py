"""Whatever goes into the vault comes back out, for the same field, and never as plain text."""

from hypothesis import given
from hypothesis import strategies as st

from fengkong.onboarding.vault import TOKEN_VERSION, Vault, generate_keyring

VAULT = Vault(generate_keyring("k1"))
fields = st.text(min_size=1, max_size=30)


@given(fields, st.text())
def test_decrypt_undoes_encrypt(field: str, clear: str) -> None:
    assert VAULT.decrypt(field, VAULT.encrypt(field, clear)) == clear


@given(st.text(min_size=4))
def test_the_token_names_version_and_key_and_hides_the_value(clear: str) -> None:
    token = VAULT.encrypt("name", clear)
    version, kid, payload = token.split(":")
    assert (version, kid) == (TOKEN_VERSION, "k1")
    assert clear not in payload


def test_two_encryptions_of_one_value_differ() -> None:
    # A fresh nonce each time: equal ciphertexts would let anyone link equal values.
    assert VAULT.encrypt("mobile", "13812345678") != VAULT.encrypt("mobile", "13812345678")


def test_a_vault_with_the_same_keys_reads_the_token() -> None:
    token = VAULT.encrypt("name", "王小明")
    assert Vault(VAULT.keyring).decrypt("name", token) == "王小明"
