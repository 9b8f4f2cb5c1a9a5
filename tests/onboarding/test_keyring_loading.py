"""Key rings load from a document of base64 keys or a JSON key file, and refuse bad material
without echoing it."""

import base64
import json
from pathlib import Path

import pytest

from fengkong.core.errors import Invalid
from fengkong.onboarding.vault import KEY_BYTES, KeyRing, Vault, generate_keyring


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


K1, K2 = b64(bytes([1]) * KEY_BYTES), b64(bytes([2]) * KEY_BYTES)
DOCUMENT: dict[str, object] = {
    "active": "k2",
    "keys": {"k1": K1, "k2": K2},
    "index_key": b64(bytes([3]) * KEY_BYTES),
}


def test_from_mapping_reads_keys_and_active_id() -> None:
    ring = KeyRing.from_mapping(DOCUMENT)
    assert ring.active_key_id == "k2"
    assert ring.key_ids == ("k1", "k2")
    assert ring.keys["k1"] == bytes([1]) * KEY_BYTES
    assert ring.index_key == bytes([3]) * KEY_BYTES


def test_to_mapping_round_trips() -> None:
    ring = generate_keyring("dev")
    assert KeyRing.from_mapping(ring.to_mapping()).to_mapping() == ring.to_mapping()


def test_load_reads_a_json_key_file(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    token = Vault(KeyRing.from_mapping(DOCUMENT)).encrypt("name", "王小明")
    assert Vault(KeyRing.load(path)).decrypt("name", token) == "王小明"


def test_load_reports_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="cannot be read"):
        KeyRing.load(tmp_path / "absent.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"keys": ', encoding="utf-8")
    with pytest.raises(Invalid, match="is not valid JSON"):
        KeyRing.load(broken)
    listing = tmp_path / "list.json"
    listing.write_text("[]", encoding="utf-8")
    with pytest.raises(Invalid, match="must hold a JSON object"):
        KeyRing.load(listing)


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"active": "k3"}, ("active",)),
        ({"active": None}, ("active",)),
        ({"keys": {}}, ("keys",)),
        ({"keys": {"k1": "not base64!", "k2": K2}}, ("keys", "k1")),
        ({"keys": {"k1": b64(b"short"), "k2": K2}}, ("keys", "k1")),
        ({"keys": {"bad:id": K2}, "active": "bad:id"}, ("keys",)),
        ({"index_key": None}, ("index_key",)),
        ({"index_key": b64(b"short")}, ("index_key",)),
        ({"index_key": K1}, ("index_key",)),
    ],
)
def test_each_bad_document_names_the_bad_entry(
    change: dict[str, object], loc: tuple[str, ...]
) -> None:
    with pytest.raises(Invalid) as caught:
        KeyRing.from_mapping({**DOCUMENT, **change})
    assert loc in [e.loc for e in caught.value.errors]
    for value in (K1, K2):
        assert value not in str(caught.value)


def test_generated_rings_hold_fresh_distinct_keys() -> None:
    first, second = generate_keyring(), generate_keyring()
    assert first.keys["k1"] != second.keys["k1"]
    assert first.keys["k1"] != first.index_key
