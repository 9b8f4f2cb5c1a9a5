"""A monitoring system scrapes `/metrics` with a key of the `metrics_scraper` role: the key is
issued as any other (`fengkong keys issue NAME --role metrics_scraper`), reads the metrics, and
is refused everything else with 403 problem+json; a person cannot be given the role."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fengkong.access.keys import issue_key
from fengkong.access.logins import AccessAuthenticator
from fengkong.access.permissions import GRANTS, Permission
from fengkong.access.users import create_user, set_roles
from fengkong.api.app import create_app
from fengkong.bootstrap import Context
from fengkong.cli import app as cli
from fengkong.core.actor import Actor, Role
from fengkong.core.errors import Invalid

ADMIN = Actor(name="boss", kind="user", roles=frozenset({Role.ADMIN}))
SCRAPER_ROLES = frozenset({Role.METRICS_SCRAPER})


@pytest.fixture
def scraper(context: Context) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The app over real keys (not the tests' fixed staff), and a scraper key's header."""
    context.authenticator = AccessAuthenticator(context.access)
    issued = issue_key(context.access, ADMIN, name="prometheus", roles=SCRAPER_ROLES)
    with TestClient(create_app(context), raise_server_exceptions=False) as client:
        yield client, {"Authorization": f"Bearer {issued.secret}"}


def test_the_role_holds_metrics_read_and_nothing_else() -> None:
    held = {p for p, roles in GRANTS.items() if Role.METRICS_SCRAPER in roles}
    assert held == {Permission.METRICS_READ}


def test_a_scraper_key_reads_the_metrics(scraper: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = scraper
    client.get("/healthz")
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    assert 'fengkong_http_requests_total{method="GET",route="/healthz",status="200"}' in answer.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/me"),
        ("GET", "/v1/applications"),
        ("GET", "/v1/customers"),
        ("GET", "/v1/reports/portfolio"),
        ("GET", "/v1/lists/entries"),
        ("GET", "/openapi.json"),
        ("POST", "/v1/applications"),
        ("DELETE", "/v1/sessions/current"),
    ],
)
def test_a_scraper_key_is_refused_elsewhere(
    scraper: tuple[TestClient, dict[str, str]], method: str, path: str
) -> None:
    client, headers = scraper
    answer = client.request(method, path, headers=headers | {"Idempotency-Key": "k-1"})
    assert answer.status_code == 403, (method, path, answer.text)
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["status"] == 403


def test_a_person_cannot_hold_the_role(context: Context) -> None:
    with pytest.raises(Invalid, match="keys only"):
        create_user(
            context.access,
            ADMIN,
            login="sam",
            display_name="Sam",
            roles=frozenset({Role.OFFICER, Role.METRICS_SCRAPER}),
            password="a password long enough",
        )
    create_user(
        context.access,
        ADMIN,
        login="sam",
        display_name="Sam",
        roles=frozenset({Role.OFFICER}),
        password="a password long enough",
    )
    with pytest.raises(Invalid, match="keys only"):
        set_roles(context.access, ADMIN, "sam", SCRAPER_ROLES)


ADMIN_PASSWORD = "admin password long enough"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    # argon2 at a low cost: hashing at production cost is slow by design
    monkeypatch.setenv("FENGKONG_ACCESS_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("FENGKONG_ACCESS_ARGON2_MEMORY_KIB", "64")
    monkeypatch.setenv("FENGKONG_ACCESS_ARGON2_PARALLELISM", "1")
    for name in ("FENGKONG_API_KEY", "FENGKONG_SESSION"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "home"


def _run(*args: str, stdin: str | None = None, code: int = 0) -> Any:
    result = CliRunner().invoke(cli, [*args, "--json"], input=stdin)
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def test_the_admin_issues_a_scraper_key_from_the_command_line(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _run("users", "bootstrap-admin", "adam", "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
    code = pyotp.TOTP(made["totp"]["secret"]).now()
    _run("login", "adam", "--totp", code, "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
    issued = _run("keys", "issue", "prometheus", "--role", "metrics_scraper", "--no-expiry")
    assert issued["roles"] == ["metrics_scraper"] and issued["channel"] is None
    assert issued["secret"].startswith("fkk_") and issued["expires_at"] is None
    monkeypatch.setenv("FENGKONG_API_KEY", issued["secret"])
    # The key is the scraper's only: it does not even name itself on the command line.
    assert _run("whoami", code=1)["category"] == "forbidden"
