"""Logging in to the console with a password and, for approvers, a TOTP code; the session's
cookie, its expiry and logging out; CSRF tokens on every form; pages a role may not open (403),
pages that do not exist (404) and malformed query values (422) as pages, never a stack trace;
the Content-Security-Policy and no inline script."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient

from fengkong.access.logins import AccessAuthenticator
from fengkong.access.users import create_user
from fengkong.api.deps import SESSION_COOKIE
from fengkong.bootstrap import Context
from fengkong.core.actor import Actor, Role
from fengkong.core.clock import FakeClock
from web.conftest import as_staff, csrf_of

ADMIN = Actor(name="boss", kind="user", roles=frozenset({Role.ADMIN}))
PASSWORD = "correct horse battery"


@pytest.fixture
def people(context: Context) -> dict[str, str]:
    """Real accounts, logging in through `access.logins`: an approver (TOTP) and a risk manager;
    the TOTP secret of each that has one."""
    context.authenticator = AccessAuthenticator(context.access)
    secrets = {}
    for login, role in (("alan", Role.APPROVER), ("rita", Role.RISK_MANAGER)):
        _, enrolment = create_user(
            context.access,
            ADMIN,
            login=login,
            display_name=login.title(),
            roles=frozenset({role}),
            password=PASSWORD,
        )
        secrets[login] = enrolment.secret if enrolment else ""
    return secrets


def login(console: TestClient, username: str, password: str, totp: str = "", next: str = ""):
    page = console.get("/console/login")
    data = {"username": username, "password": password, "totp": totp, "next": next}
    return console.post("/console/login", data={**data, "csrf": csrf_of(page.text)})


def test_a_page_without_a_session_sends_the_person_to_log_in(console: TestClient) -> None:
    refused = console.get("/console/dashboard")
    assert refused.status_code == 303
    assert refused.headers["location"] == "/console/login?next=/console/dashboard"
    told = console.get("/console/dashboard", headers={"HX-Request": "true"})
    assert told.headers["HX-Redirect"].startswith("/console/login")


def test_an_approver_logs_in_with_a_totp_code_and_out_again(
    console: TestClient, people: dict[str, str], clock: FakeClock
) -> None:
    without = login(console, "alan", PASSWORD)
    assert without.status_code == 401
    assert 'value="alan"' in without.text  # what was typed is kept …
    assert PASSWORD not in without.text  # … but never the password
    assert SESSION_COOKIE not in console.cookies

    code = pyotp.TOTP(people["alan"]).at(clock.now())
    done = login(console, "alan", PASSWORD, code, next="/console/alerts")
    assert done.status_code == 303 and done.headers["location"] == "/console/alerts"
    cookie = done.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert console.get("/console/alerts").status_code == 200

    page = console.get("/console/alerts")
    out = console.post("/console/logout", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303 and out.headers["location"] == "/console/login"
    assert console.get("/console/alerts").status_code == 303


def test_the_same_code_does_not_log_in_twice(
    console: TestClient, people: dict[str, str], clock: FakeClock
) -> None:
    code = pyotp.TOTP(people["alan"]).at(clock.now())
    assert login(console, "alan", PASSWORD, code).status_code == 303
    console.cookies.clear()
    assert login(console, "alan", PASSWORD, code).status_code == 401


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"username": "", "password": PASSWORD}, "username", "Enter your login name."),
        ({"username": "rita", "password": ""}, "password", "Enter your password."),
        ({"username": "rita", "password": "x", "totp": "12ab"}, "totp", "six digits"),
    ],
)
def test_a_malformed_login_shows_the_error_beside_the_field(
    console: TestClient, people: dict[str, str], fields: dict[str, str], field: str, message: str
) -> None:
    console.cookies.set("fengkong_lang", "en")
    shown = login(console, fields["username"], fields["password"], fields.get("totp", ""))
    assert shown.status_code == 422
    beside = re.search(rf'<small id="e-{field}" class="field-error">([^<]+)</small>', shown.text)
    assert beside and message in beside.group(1)
    assert f'value="{fields["username"]}"' in shown.text


def test_a_session_ends_when_idle_too_long(
    console: TestClient, people: dict[str, str], clock: FakeClock, context: Context
) -> None:
    assert login(console, "rita", PASSWORD).status_code == 303
    assert console.get("/console/dashboard").status_code == 200
    clock.advance(context.access.config.session_idle + timedelta(minutes=1))
    ended = console.get("/console/dashboard")
    assert ended.status_code == 303 and "expired=1" in ended.headers["location"]
    console.cookies.set("fengkong_lang", "en")
    assert "Your session has ended" in console.get(ended.headers["location"]).text


def test_a_form_without_its_token_is_refused(console: TestClient) -> None:
    console.get("/console/login")
    forged = console.post("/console/login", data={"username": "rita", "password": PASSWORD})
    assert forged.status_code == 403
    assert SESSION_COOKIE not in console.cookies
    as_staff(console, "fks_risk")
    assert console.post("/console/logout", data={"csrf": "guess"}).status_code == 403


@pytest.mark.parametrize(
    ("secret", "status"),
    [("fks_risk", 200), ("fks_approver", 200), ("fks_auditor", 200), ("fks_officer", 403)],
)
def test_each_role_sees_only_what_it_may(console: TestClient, secret: str, status: int) -> None:
    shown = as_staff(console, secret).get("/console/dashboard")
    assert shown.status_code == status
    assert "Traceback" not in shown.text
    if status == 403:
        assert 'data-status="403"' in shown.text
        assert 'href="/console/dashboard"' not in shown.text  # nor offered in the menu


def test_refusals_are_pages(console: TestClient) -> None:
    as_staff(console, "fks_risk")
    assert console.get("/console/no-such-page").status_code == 404
    assert console.get("/console/dashboard?days=abc").status_code == 422
    unknown = console.post("/console/alerts/alr_nope/acknowledge", data={"note": "x"})
    assert unknown.status_code == 403  # no token: refused before the alert is looked up
    for shown in (console.get("/console/no-such-page"), console.get("/console/dashboard?days=7")):
        assert shown.headers["content-type"].startswith("text/html")


def test_pages_admit_no_inline_script_or_style(console: TestClient) -> None:
    pages = [console.get("/console/login")]
    as_staff(console, "fks_risk")
    pages += [console.get(p) for p in ("/console/dashboard", "/console/alerts", "/console/nope")]
    for page in pages:
        assert page.headers["content-type"].startswith("text/html")
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        for tag in re.findall(r"<script[^>]*>", page.text):
            assert "src=" in tag or 'type="application/json"' in tag, tag
        assert not re.search(r"<[^>]*\s(style|on[a-z]+)=", page.text)
        assert page.headers["cache-control"] == "no-store"
