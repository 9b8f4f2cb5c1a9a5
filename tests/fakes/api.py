"""Calling the API in tests as someone: a client authenticated by default, and headers that act
as a named person holding given roles (registered with the context's `FakeAuthenticator`)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from fakes.access import FakeAuthenticator, bearer, person
from fengkong.api.app import create_app
from fengkong.bootstrap import Context
from fengkong.core.actor import Role


def api_client(context: Context, secret: str = "fks_all", **kwargs: Any) -> TestClient:
    """A test client for the app over `context`, sending `secret`'s credentials by default
    (`fks_all`: one person holding every role, for tests about something else). A context made
    without the `context` fixture is given the `STAFF` authenticator."""
    if not isinstance(context.authenticator, FakeAuthenticator):
        context.authenticator = FakeAuthenticator()
    return TestClient(create_app(context), headers=bearer(secret), **kwargs)


def acting_as(context: Context, name: str, *roles: Role) -> dict[str, str]:
    """Headers that authenticate as person `name` (audit name `user:<name>`) with `roles`
    (default: officer)."""
    authenticator = context.authenticator
    if not isinstance(authenticator, FakeAuthenticator):
        authenticator = context.authenticator = FakeAuthenticator()
    secret = f"fks_test_{name}"
    authenticator.secrets[secret] = person(name, *(roles or (Role.OFFICER,)))
    return bearer(secret)
