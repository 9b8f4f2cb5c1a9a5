from pathlib import Path

import pytest

from fengkong.core.settings import load_settings


def test_default_database_is_sqlite_under_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FENGKONG_DATABASE_URL", raising=False)
    settings = load_settings()
    assert settings.resolved_database_url == "sqlite:///var/fengkong.db"


def test_toml_file_then_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "fengkong.toml"
    config.write_text('home = "/srv/fk"\ndatabase_url = "postgresql+psycopg://db/fk"\n')
    monkeypatch.setenv("FENGKONG_CONFIG", str(config))
    assert load_settings().resolved_database_url == "postgresql+psycopg://db/fk"
    assert load_settings().home == Path("/srv/fk")
    monkeypatch.setenv("FENGKONG_DATABASE_URL", "sqlite:///elsewhere.db")
    assert load_settings().resolved_database_url == "sqlite:///elsewhere.db"
