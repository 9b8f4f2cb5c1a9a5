"""Policy documents as stored versions, activated under maker-checker.

A document is submitted as text (the YAML an analyst reviews in a diff) and kept verbatim with its
sha256. It is checked at submission through a `validate` hook that returns the version the document
names, or raises `Invalid` with the reasons; a document that does not load is never stored.

Life of a version::

    draft ──request_activation──► pending_approval ──approve_activation──► active | challenger
      ▲                                  │                                    │
      └────────reject_activation─────────┘                 (next activation)  ▼
                                                                           retired

Activation needs an authenticated approver (`core.actor.Role.APPROVER`) other than the document's
author and other than whoever requested it (maker-checker, `Forbidden` otherwise); approving retires the version that held the role before. At most one version
is active and at most one is the challenger (the database enforces it too). A retired version may
be requested again: that is a rollback, and it goes through the same checks.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from fengkong.access.approvals import same_person
from fengkong.audit.port import AuditAppender
from fengkong.core.actor import Actor
from fengkong.core.actor import Role as StaffRole
from fengkong.core.clock import Clock
from fengkong.core.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from fengkong.core.ids import new_id
from fengkong.decision.compiler import compile_policy
from fengkong.decision.review import check_officer

Validate = Callable[[str], str]
"""Checks a document's text; returns the version it names or raises `Invalid`."""

DOCUMENT_MAX_BYTES = 1_000_000


class PolicyStatus(StrEnum):
    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    ACTIVE = "active"  # the champion: decides live traffic
    CHALLENGER = "challenger"  # takes a configured share, or runs in shadow
    RETIRED = "retired"


class Role(StrEnum):
    """What an approved activation makes of a version."""

    CHAMPION = "champion"
    CHALLENGER = "challenger"


ROLE_STATUS = {Role.CHAMPION: PolicyStatus.ACTIVE, Role.CHALLENGER: PolicyStatus.CHALLENGER}


class PolicyVersionNotFound(NotFound):
    pass


class MakerChecker(Forbidden):
    """The approver is the author or the requester of what they approve."""


class WrongPolicyStatus(Conflict):
    pass


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    id: str
    version: str
    document: str = field(repr=False)
    sha256: str
    author: str
    created_at: datetime
    status: PolicyStatus
    requested_role: Role | None = None
    requested_by: str | None = None
    requested_at: datetime | None = None
    approved_by: str | None = None
    activated_at: datetime | None = None
    retired_at: datetime | None = None


def document_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def validate_policy(text: str) -> str:
    """The default hook: compile the document as the decision engine would (JDM tables it names
    resolve among the shipped ones) and return its label, e.g. `retail-v3`."""
    return compile_policy(text).label


class PolicyRepository(Protocol):
    def add(self, policy: PolicyVersion) -> None: ...
    def get(self, version: str, *, for_update: bool = False) -> PolicyVersion | None: ...
    def list(self) -> Sequence[PolicyVersion]: ...
    def with_status(self, status: PolicyStatus) -> PolicyVersion | None: ...
    def save(self, policy: PolicyVersion) -> None: ...


class PolicyUnitOfWork(Protocol):
    @property
    def policies(self) -> PolicyRepository: ...
    @property
    def audit(self) -> AuditAppender: ...


def _audit(
    uow: PolicyUnitOfWork,
    policy: PolicyVersion,
    action: str,
    actor: str,
    at: datetime,
    **extra: object,
) -> None:
    uow.audit.append(
        at=at,
        actor=actor if ":" in actor else f"officer:{actor}",
        action=f"policy.{action}",
        subject_type="policy",
        subject_id=policy.version,
        payload={"sha256": policy.sha256, "status": policy.status.value, **extra},
    )


def _get(uow: PolicyUnitOfWork, version: str, *, for_update: bool = False) -> PolicyVersion:
    policy = uow.policies.get(version, for_update=for_update)
    if policy is None:
        raise PolicyVersionNotFound(f"no policy version {version!r}")
    return policy


def submit(
    uow: PolicyUnitOfWork,
    document_text: str,
    *,
    author: str,
    clock: Clock,
    validate: Validate = validate_policy,
) -> tuple[PolicyVersion, bool]:
    """Store a document as a draft version. Submitting the same text again returns the stored
    version (and False); another text under a stored version is a `Conflict`: bump the version."""
    author = check_officer(author)
    if not document_text.strip():
        raise Invalid((FieldError(("document",), "the document is empty"),))
    if len(document_text.encode("utf-8")) > DOCUMENT_MAX_BYTES:
        raise Invalid((FieldError(("document",), f"larger than {DOCUMENT_MAX_BYTES} bytes"),))
    version = validate(document_text)
    if not version or len(version) > 80:
        raise Invalid((FieldError(("version",), "a version of 1 to 80 characters is required"),))
    sha = document_sha256(document_text)
    existing = uow.policies.get(version)
    if existing is not None:
        if existing.sha256 == sha:
            return existing, False
        raise Conflict(
            f"policy version {version!r} is already stored with another document "
            f"(sha256 {existing.sha256[:12]}…); give the new document a new version"
        )
    now = clock.now()
    policy = PolicyVersion(
        id=new_id("pol", clock),
        version=version,
        document=document_text,
        sha256=sha,
        author=author,
        created_at=now,
        status=PolicyStatus.DRAFT,
    )
    uow.policies.add(policy)
    _audit(uow, policy, "submitted", author, now, author=author)
    return policy, True


def request_activation(
    uow: PolicyUnitOfWork,
    version: str,
    *,
    requested_by: str,
    clock: Clock,
    role: Role = Role.CHAMPION,
    validate: Validate | None = None,
) -> PolicyVersion:
    """Ask for `version` to take `role`. With `validate`, the stored document is checked again
    as a submission would be now: a version stored before a check existed (a product the
    catalogue defines otherwise, a price over today's cap) is refused, not activated."""
    requested_by = check_officer(requested_by)
    policy = _get(uow, version, for_update=True)
    if validate is not None:
        validate(policy.document)
    allowed = {PolicyStatus.DRAFT, PolicyStatus.RETIRED}
    if role == Role.CHAMPION:
        allowed.add(PolicyStatus.CHALLENGER)  # promoting the challenger
    if policy.status not in allowed:
        raise WrongPolicyStatus(
            f"policy {version} is {policy.status.value}; cannot request it as {role.value}"
        )
    now = clock.now()
    pending = dataclasses.replace(
        policy,
        status=PolicyStatus.PENDING_APPROVAL,
        requested_role=role,
        requested_by=requested_by,
        requested_at=now,
        approved_by=None,
    )
    uow.policies.save(pending)
    _audit(uow, pending, "activation_requested", requested_by, now, role=role.value)
    return pending


def _check_pending(policy: PolicyVersion, checker: Actor, doing: str) -> Role:
    checker.require(StaffRole.APPROVER, doing)
    if same_person(policy.author, checker) or same_person(policy.requested_by, checker):
        who = "wrote" if same_person(policy.author, checker) else "requested"
        raise MakerChecker(
            f"{checker.audit_name} {who} policy {policy.version}; another approver must decide"
        )
    if policy.status != PolicyStatus.PENDING_APPROVAL or policy.requested_role is None:
        raise WrongPolicyStatus(
            f"policy {policy.version} is {policy.status.value}, not pending approval"
        )
    return policy.requested_role


def approve_activation(
    uow: PolicyUnitOfWork, version: str, *, checker: Actor, clock: Clock
) -> tuple[PolicyVersion, PolicyVersion | None]:
    """Give the pending version its requested role; returns it and the version it displaced.
    `checker` must be an approver other than the author and the requester."""
    policy = _get(uow, version, for_update=True)
    role = _check_pending(policy, checker, "activate a policy")
    approver = checker.audit_name
    now = clock.now()
    status = ROLE_STATUS[role]
    previous = uow.policies.with_status(status)
    if previous is not None:
        previous = dataclasses.replace(previous, status=PolicyStatus.RETIRED, retired_at=now)
        uow.policies.save(previous)
    activated = dataclasses.replace(
        policy, status=status, approved_by=approver, activated_at=now, retired_at=None
    )
    uow.policies.save(activated)
    _audit(
        uow,
        activated,
        "activated",
        approver,
        now,
        role=role.value,
        author=activated.author,
        requested_by=activated.requested_by,
        checker=approver,
        retired=None if previous is None else previous.version,
    )
    return activated, previous


def reject_activation(
    uow: PolicyUnitOfWork, version: str, *, checker: Actor, reason: str, clock: Clock
) -> PolicyVersion:
    """Send a pending version back to draft, with the checker's reason; the checker is an
    approver other than the author and the requester, as for an approval."""
    if not reason.strip():
        raise Invalid((FieldError(("reason",), "a reason is required"),))
    policy = _get(uow, version, for_update=True)
    _check_pending(policy, checker, "reject a policy activation")
    now = clock.now()
    draft = dataclasses.replace(
        policy, status=PolicyStatus.DRAFT, requested_role=None, requested_by=None, requested_at=None
    )
    uow.policies.save(draft)
    _audit(
        uow,
        draft,
        "activation_rejected",
        checker.audit_name,
        now,
        reason=reason.strip(),
        author=policy.author,
        requested_by=policy.requested_by,
        checker=checker.audit_name,
    )
    return draft


def active(uow: PolicyUnitOfWork) -> PolicyVersion | None:
    """The champion policy, or None before any activation."""
    return uow.policies.with_status(PolicyStatus.ACTIVE)


def challenger(uow: PolicyUnitOfWork) -> PolicyVersion | None:
    return uow.policies.with_status(PolicyStatus.CHALLENGER)


def get(uow: PolicyUnitOfWork, version: str) -> PolicyVersion:
    return _get(uow, version)


def list_versions(uow: PolicyUnitOfWork) -> tuple[PolicyVersion, ...]:
    return tuple(uow.policies.list())
