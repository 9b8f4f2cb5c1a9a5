"""A channel key's confinement to its own applications and loans, one definition for every shell
(the API's routes and the CLI's commands): an actor confined to a sales channel
(`access.permissions.channel_scope`) that names an application or a loan another channel brought
in is told it does not exist, so ids cannot be probed."""

from __future__ import annotations

from typing import Protocol

from fengkong.access.permissions import Permission, channel_scope
from fengkong.core.actor import Actor
from fengkong.core.errors import NotFound
from fengkong.core.uow import UnitOfWork
from fengkong.lending.ports import ApplicationReader, LoanReader
from fengkong.lending.services import Services


class OwnershipUnitOfWork(UnitOfWork, Protocol):
    @property
    def lending(self) -> LoanReader: ...
    @property
    def applications(self) -> ApplicationReader: ...


def _not_found(what: str, ident: str) -> NotFound:
    return NotFound(f"no {what} {ident!r}")


def _channel_of(uow: OwnershipUnitOfWork, application_id: str) -> str | None:
    app = uow.applications.get(application_id)
    return None if app is None or app.channel is None else app.channel.value


def own_application(
    svc: Services[OwnershipUnitOfWork], actor: Actor, permission: Permission, application_id: str
) -> None:
    """Raise NotFound when `actor` is confined to a channel the application did not come
    through; nothing when it is not confined."""
    if channel_scope(actor, permission) is None:
        return
    with svc.uow() as uow:
        channel = _channel_of(uow, application_id)
    own_read_application(actor, permission, application_id, channel)


def own_read_application(
    actor: Actor, permission: Permission, application_id: str, channel: str | None
) -> None:
    """As `own_application`, for an application the caller has read already (its `channel`):
    no read of its own."""
    scope = channel_scope(actor, permission)
    if scope is not None and (not scope or channel != scope):
        raise _not_found("application", application_id)


def own_loan(
    svc: Services[OwnershipUnitOfWork], actor: Actor, permission: Permission, loan_id: str
) -> None:
    """As `own_application`, for a loan: the channel of the application it was booked on."""
    scope = channel_scope(actor, permission)
    if scope is None:
        return
    with svc.uow() as uow:
        loan = uow.lending.get_loan(loan_id)
        channel = (
            None
            if loan is None or loan.application_id is None
            else (_channel_of(uow, loan.application_id))
        )
    if not scope or channel != scope:
        raise _not_found("loan", loan_id)
