"""`fengkong data-keys rotate`: the key file gains an active key and keeps the old one, stored tokens
move to it, `--json` reports counts, and `--retire-old` drops the keys nothing uses."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from fengkong.bootstrap import bootstrap
from fengkong.cli import app
from fengkong.core.settings import load_settings
from fengkong.onboarding.vault import KeyRing

runner = CliRunner()


@pytest.fixture
def home(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    staff_login: Callable[[str], None],
) -> Path:
    staff_login("fks_admin")  # rotating keys runs the platform
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    return tmp_path / "home"


def test_rotate_then_retire(home: Path) -> None:
    ctx = bootstrap(load_settings())
    token = ctx.vault.encrypt("name", "王小明")
    with ctx.db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "insert into applications (id, received_at, product, amount_fen, term_months, "
                "purpose, monthly_income_fen, name_enc, id_number_enc, id_number_bidx, "
                "phone_enc, phone_bidx, profile) values ('app_1', '2026-03-01 00:00:00+00', "
                "'cash_loan', 100, 12, 'car', 100, :t, :i, :b, :p, :b, '{}')"
            ),
            {
                "t": token,
                "i": ctx.vault.encrypt("id_number", "11010519491231002X"),
                "p": ctx.vault.encrypt("phone", "13800138000"),
                "b": "0" * 64,
            },
        )
    ctx.close()

    rotated = runner.invoke(app, ["data-keys", "rotate", "--json"])
    assert rotated.exit_code == 0, rotated.output
    doc = json.loads(rotated.stdout)
    assert doc["key_added"] == "k2" and doc["active_key_id"] == "k2"
    assert doc["tokens_reencrypted"] == 3 and doc["rows_updated"] == 1
    assert doc["tokens_by_key"] == {"k2": 3}
    ring = KeyRing.load(home / "keys.json")
    assert ring.key_ids == ("k1", "k2") and ring.active_key_id == "k2"

    resumed = json.loads(runner.invoke(app, ["data-keys", "rotate", "--resume", "--json"]).stdout)
    assert resumed["key_added"] is None and resumed["tokens_reencrypted"] == 0

    retired = runner.invoke(app, ["data-keys", "rotate", "--resume", "--retire-old", "--json"])
    assert json.loads(retired.stdout)["keys_retired"] == ["k1"]
    ring = KeyRing.load(home / "keys.json")
    assert ring.key_ids == ("k2",)
    ctx = bootstrap(load_settings())
    with ctx.db.engine.connect() as conn:
        stored = conn.execute(sa.text("select name_enc from applications")).scalar_one()
    assert ctx.vault.decrypt("name", stored) == "王小明"
    with ctx.uow() as uow:
        actions = [r.action for r in uow.audit.stream()]
    ctx.close()
    assert actions == ["vault.key_added", "vault.reencrypted", "vault.keys_retired"]
