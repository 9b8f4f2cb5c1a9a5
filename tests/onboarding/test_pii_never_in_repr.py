"""No object of the onboarding core shows personal data or key material in its repr or str."""

import base64
from datetime import date

import pytest

from fengkong.core.errors import Invalid
from fengkong.onboarding.field_check import applicant_rules, check_fields
from fengkong.onboarding.validators import validate_resident_id
from fengkong.onboarding.vault import Vault, generate_keyring

AS_OF = date(2025, 3, 31)
NUMBER = "11010519491231002X"


def renderings(obj: object) -> str:
    return repr(obj) + str(obj) + f"{obj}" + repr([obj])


def test_resident_id_shows_only_its_mask() -> None:
    resident = validate_resident_id(NUMBER, AS_OF)
    text = renderings(resident)
    assert NUMBER not in text
    assert "1949" not in text
    assert "110***********002X" in text


def test_field_check_names_fields_but_not_values() -> None:
    form = {"name": "王小明", "resident_id": NUMBER, "mobile": "13812345678", "bank_card": "123"}
    text = renderings(check_fields(form, applicant_rules(AS_OF)))
    for value in ("王小明", NUMBER, "13812345678", "1949"):
        assert value not in text
    assert "mobile" in text


def test_key_ring_and_vault_show_key_ids_only() -> None:
    ring = generate_keyring("k1")
    text = renderings(ring) + renderings(Vault(ring))
    for key in (ring.keys["k1"], ring.index_key):
        assert base64.b64encode(key).decode() not in text
        assert key.hex() not in text
        assert repr(key) not in text
    assert "k1" in text


@pytest.mark.parametrize(
    "form",
    [
        {"name": "王小明3", "resident_id": "110105194912310021", "mobile": "1381234567"},
        {"name": "J0hnny Smith", "resident_id": "99010519491231002X", "mobile": "12812345678"},
    ],
)
def test_error_messages_do_not_quote_the_input(form: dict[str, str]) -> None:
    with pytest.raises(Invalid) as caught:
        check_fields(form, applicant_rules(AS_OF)).raise_if_invalid()
    text = str(caught.value) + repr(caught.value.errors)
    for value in form.values():
        assert value not in text
