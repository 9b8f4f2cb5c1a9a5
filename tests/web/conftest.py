"""The console on the tests' context (`tests/conftest.py`): the API and, at `/console`, the
console, as `fengkong serve` mounts them; a client that does not follow redirects, so tests see
where the console sends a person; helpers to log in as one of `fakes.access.STAFF` and to send
a form with the page's CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import pytest
from fastapi.testclient import TestClient

from fengkong.api.app import create_app
from fengkong.api.deps import SESSION_COOKIE
from fengkong.bootstrap import Context
from fengkong.web.app import install

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def console(context: Context) -> Iterator[TestClient]:
    app = create_app(context)
    install(app, context)
    with TestClient(app, follow_redirects=False, raise_server_exceptions=False) as client:
        yield client


def as_staff(client: TestClient, secret: str) -> TestClient:
    """Carry the session of `secret` (`fakes.access.STAFF`) as the console's cookie."""
    client.cookies.set(SESSION_COOKIE, secret)
    return client


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def post_form(
    client: TestClient, page: str, action: str, data: Mapping[str, str], **headers: str
) -> object:
    """Open `page`, then post `data` to `action` with the token the page gave."""
    token = csrf_of(client.get(page).text)
    return client.post(action, data={**data, "csrf": token}, headers=headers)
