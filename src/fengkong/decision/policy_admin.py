"""Use cases over policy versions: submit, request, approve and reject an activation, each in one
transaction of its own. The rules are `decision.policy_registry`'s; these functions only open
the unit of work, call them and commit, so the API and the CLI do the same."""

from __future__ import annotations

from typing import Protocol

from fengkong.core.actor import Actor
from fengkong.core.clock import Clock
from fengkong.core.uow import UnitOfWork
from fengkong.decision import policy_registry as registry
from fengkong.decision.policy_registry import PolicyUnitOfWork, PolicyVersion, Role, Validate


class PolicyAdminUnitOfWork(UnitOfWork, PolicyUnitOfWork, Protocol):
    """A unit of work holding the policy versions and the audit log."""


def submit_policy(
    uow: PolicyAdminUnitOfWork, text: str, *, author: str, clock: Clock, validate: Validate
) -> tuple[PolicyVersion, bool]:
    """Check `text` and store it as a draft; also whether it was new (`registry.submit`)."""
    with uow:
        policy, created = registry.submit(uow, text, author=author, clock=clock, validate=validate)
        uow.commit()
    return policy, created


def request_policy_activation(
    uow: PolicyAdminUnitOfWork,
    version: str,
    *,
    requested_by: str,
    clock: Clock,
    role: Role,
    validate: Validate,
) -> PolicyVersion:
    """Ask for `version` to take `role`; another officer approves."""
    with uow:
        policy = registry.request_activation(
            uow, version, requested_by=requested_by, clock=clock, role=role, validate=validate
        )
        uow.commit()
    return policy


def approve_policy_activation(
    uow: PolicyAdminUnitOfWork, version: str, *, checker: Actor, clock: Clock
) -> tuple[PolicyVersion, PolicyVersion | None]:
    """Approve the pending activation (an approver other than its author and requester); also
    the version that held the role and retired."""
    with uow:
        policy, previous = registry.approve_activation(uow, version, checker=checker, clock=clock)
        uow.commit()
    return policy, previous


def reject_policy_activation(
    uow: PolicyAdminUnitOfWork, version: str, *, checker: Actor, reason: str, clock: Clock
) -> PolicyVersion:
    """Send the pending activation back to draft, with the reason."""
    with uow:
        policy = registry.reject_activation(
            uow, version, checker=checker, reason=reason, clock=clock
        )
        uow.commit()
    return policy
