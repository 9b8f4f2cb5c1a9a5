"""Logging in over the API: POST /v1/sessions gives a token (and the console's cookie,
HttpOnly, SameSite=Strict), GET /v1/me names its user with the token or the cookie, DELETE
/v1/sessions/current ends it; failures are 401 problem+json with one message for an unknown name
and a wrong password; a channel key is its channel on /v1/me."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient

from fengkong.access.keys import issue_key
from fengkong.access.users import bootstrap_admin, create_user
from fengkong.api.app import create_app
from fengkong.bootstrap import Context, bootstrap
from fengkong.core.actor import Role
from fengkong.core.clock import FakeClock
from fengkong.core.settings import Settings

PASSWORD = "a password long enough"


@pytest.fixture
def ctx(tmp_path: Path, database_url: str, clock: FakeClock) -> Iterator[Context]:
    settings = Settings(
        env="test",
        home=tmp_path / "home",
        database_url=database_url,
        access_argon2_time_cost=1,
        access_argon2_memory_kib=64,
        access_argon2_parallelism=1,
    )
    context = bootstrap(settings, clock=clock)
    yield context
    context.close()


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    with TestClient(create_app(ctx)) as c:
        yield c


def test_login_then_me_then_logout(ctx: Context, client: TestClient, clock: FakeClock) -> None:
    admin, enrolment = bootstrap_admin(
        ctx.access, login="adam", display_name="", password=PASSWORD, by="cli:test"
    )
    create_user(
        ctx.access,
        admin.actor(),
        login="olivia",
        display_name="Olivia",
        roles=frozenset({Role.OFFICER}),
        password=PASSWORD,
    )
    started = client.post("/v1/sessions", json={"username": "olivia", "password": PASSWORD})
    assert started.status_code == 201, started.text
    token = started.json()["token"]
    assert token.startswith("fks_") and started.json()["roles"] == ["officer"]
    cookie = started.headers["set-cookie"]
    assert f"fengkong_session={token}" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")

    me = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json() == {
        "name": "olivia",
        "kind": "user",
        "audit_name": "user:olivia",
        "roles": ["officer"],
        "channel": None,
    }
    assert client.get("/v1/me").json()["name"] == "olivia"  # the cookie alone

    ended = client.delete("/v1/sessions/current", headers={"Authorization": f"Bearer {token}"})
    assert ended.status_code == 204
    client.cookies.clear()
    gone = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 401
    assert gone.headers["content-type"].startswith("application/problem+json")

    code = pyotp.TOTP(enrolment.secret).at(clock.now())
    admin_login = {"username": "adam", "password": PASSWORD, "totp": code}
    assert client.post("/v1/sessions", json=admin_login).status_code == 201
    assert client.post("/v1/sessions", json=admin_login).status_code == 401  # a code once


def test_failures_are_401_alike(ctx: Context, client: TestClient) -> None:
    bootstrap_admin(ctx.access, login="adam", display_name="", password=PASSWORD, by="cli:test")
    unknown = client.post("/v1/sessions", json={"username": "nobody", "password": PASSWORD})
    wrong = client.post("/v1/sessions", json={"username": "adam", "password": "nope nope"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["detail"] == wrong.json()["detail"]
    assert client.get("/v1/me").status_code == 401
    assert client.post("/v1/sessions", json={"username": "adam"}).status_code == 422


def test_a_channel_key_on_me(ctx: Context, client: TestClient) -> None:
    admin, _ = bootstrap_admin(
        ctx.access, login="adam", display_name="", password=PASSWORD, by="cli:test"
    )
    issued = issue_key(ctx.access, admin.actor(), name="app-ios", channel="app")
    me = client.get("/v1/me", headers={"X-API-Key": issued.secret})
    assert me.json()["audit_name"] == "key:app-ios" and me.json()["channel"] == "app"
    logout = client.delete("/v1/sessions/current", headers={"X-API-Key": issued.secret})
    assert logout.status_code == 422
