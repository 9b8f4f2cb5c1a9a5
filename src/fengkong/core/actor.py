"""Who acts: an authenticated person or channel key, with the roles it holds.

Every use case that changes state is told its actor; the audit log records the actor's
`audit_name`. An actor is made only by authentication (`fengkong.access`) or, for the platform's
own scheduled work (end of day, the simulator), as `SYSTEM`; never from a free-text name.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from fengkong.core.errors import Forbidden

ActorKind = Literal["user", "key", "system"]


class Role(StrEnum):
    """The duties a person or a key is given; what each may do is declared once, in
    `fengkong.access.permissions`."""

    CHANNEL = "channel"  # the lender's app or a partner: submit applications, read its own
    OFFICER = "officer"  # review queue, collections, customer views with masked data
    RISK_MANAGER = "risk_manager"  # author policies, train models, manage lists
    APPROVER = "approver"  # the checker: activate policies and models, approve above limits
    AUDITOR = "auditor"  # read everything, verify the audit chain, change nothing
    ADMIN = "admin"  # users and keys
    # A monitoring system's key (指标采集): reads `/metrics`, nothing else.
    METRICS_SCRAPER = "metrics_scraper"


@dataclass(frozen=True, slots=True)
class Actor:
    """An authenticated principal. `name` is a login name or a key's name; `channel` is the
    sales channel a channel key submits for (None for people)."""

    name: str
    kind: ActorKind
    roles: frozenset[Role]
    channel: str | None = None

    @property
    def audit_name(self) -> str:
        """How the audit log names this actor: `user:alice`, `key:app-android`, `system:eod`."""
        return f"{self.kind}:{self.name}"

    def has(self, role: Role) -> bool:
        return role in self.roles

    def require(self, role: Role, doing: str) -> None:
        """Raise `Forbidden` unless this actor holds `role`."""
        if role not in self.roles:
            raise Forbidden(f"{self.audit_name} lacks the {role.value} role needed to {doing}")


def system(task: str) -> Actor:
    """The platform itself, for scheduled work (end of day, the simulator's clock)."""
    return Actor(name=task, kind="system", roles=frozenset())


def require_other_checker(maker: str, checker: Actor, doing: str) -> None:
    """Maker-checker: `checker` is an approver and is not the maker (named by audit name)."""
    checker.require(Role.APPROVER, doing)
    if checker.audit_name == maker:
        raise Forbidden(f"{checker.audit_name} made this change and may not also approve it")


def officer_audit_name(officer: str) -> str:
    """How the audit log names an officer: an authenticated actor's audit name as it is
    (`user:li`); a bare name, as records made before logins existed hold, as `officer:<name>`."""
    return officer if ":" in officer else f"officer:{officer}"
