"""An authenticator over a fixed table of secrets, for tests that are not about logging in."""

from __future__ import annotations

from collections.abc import Mapping

from fengkong.core.actor import Actor, Role
from fengkong.core.errors import Unauthenticated


def person(name: str, *roles: Role) -> Actor:
    return Actor(name=name, kind="user", roles=frozenset(roles))


# One person per role, a second approver (maker-checker needs two), a channel key, a scraper's
# key, and one person holding every role for tests about something else than permissions.
STAFF: dict[str, Actor] = {
    "fks_channel": Actor(name="app", kind="key", roles=frozenset({Role.CHANNEL}), channel="app"),
    "fks_officer": person("olivia", Role.OFFICER),
    "fks_risk": person("rita", Role.RISK_MANAGER),
    "fks_approver": person("alan", Role.APPROVER),
    "fks_approver2": person("beth", Role.APPROVER),
    "fks_auditor": person("audrey", Role.AUDITOR),
    "fks_admin": person("adam", Role.ADMIN),
    "fks_scraper": Actor(name="prometheus", kind="key", roles=frozenset({Role.METRICS_SCRAPER})),
    "fks_all": person("root", *Role),
}


class FakeAuthenticator:
    def __init__(self, secrets: Mapping[str, Actor] = STAFF) -> None:
        self.secrets = dict(secrets)

    def authenticate(self, secret: str) -> Actor:
        actor = self.secrets.get(secret)
        if actor is None:
            raise Unauthenticated("unknown or expired credentials")
        return actor


def bearer(secret: str = "fks_all") -> dict[str, str]:
    """The header that authenticates as the actor behind `secret` in `STAFF`."""
    return {"Authorization": f"Bearer {secret}"}


def approver(name: str) -> Actor:
    """A person holding the approver role only: the checker of maker-checker."""
    return person(name, Role.APPROVER)


AS_PREFIX = "fks_as_"


class NamedAuthenticator(FakeAuthenticator):
    """`STAFF`, and `fks_as_<name>` as the person <name> holding `roles` (officer and approver
    by default): for tests whose officers are named freely, as the review queue's are."""

    def __init__(self, roles: frozenset[Role] = frozenset({Role.OFFICER, Role.APPROVER})) -> None:
        super().__init__()
        self.roles = roles

    def authenticate(self, secret: str) -> Actor:
        if secret.startswith(AS_PREFIX) and len(secret) > len(AS_PREFIX):
            return Actor(name=secret[len(AS_PREFIX) :], kind="user", roles=self.roles)
        return super().authenticate(secret)
