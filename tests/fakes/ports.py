"""The in-memory unit of work is every use case's port: this module only type-checks, so a
Protocol changed without its fake fails `cd tests && MYPYPATH=../src mypy --strict
--config-file ../pyproject.toml -p fakes`."""

from __future__ import annotations

from fakes.uow import MemoryUnitOfWork
from fengkong.decision.declines import OfficerDeclineUnitOfWork
from fengkong.decision.officer import OfficerUnitOfWork
from fengkong.decision.policy_registry import PolicyUnitOfWork
from fengkong.decision.ports import DecisionUnitOfWork
from fengkong.decision.review_queue import ReviewUnitOfWork
from fengkong.fraud.list_admin import ListAdminUnitOfWork
from fengkong.lending.ports import (
    DisbursementUnitOfWork,
    DrawUnitOfWork,
    EodUnitOfWork,
    LendingUnitOfWork,
    LineUnitOfWork,
    LoanFileUnitOfWork,
    OriginationUnitOfWork,
    RepaymentUnitOfWork,
)
from fengkong.lending.servicing_ports import CollectionsUnitOfWork
from fengkong.onboarding.consent import ConsentUnitOfWork
from fengkong.scoring.promotion import RegistryUnitOfWork


def ports(uow: MemoryUnitOfWork) -> tuple[object, ...]:
    decision: DecisionUnitOfWork = uow
    review: ReviewUnitOfWork = uow
    officer: OfficerUnitOfWork = uow
    declines: OfficerDeclineUnitOfWork = uow
    policies: PolicyUnitOfWork = uow
    models: RegistryUnitOfWork = uow
    consents: ConsentUnitOfWork = uow
    lists: ListAdminUnitOfWork = uow
    return (decision, review, officer, declines, policies, models, consents, lists)


def lending_ports(uow: MemoryUnitOfWork) -> tuple[object, ...]:
    loan_file: LoanFileUnitOfWork = uow
    origination: OriginationUnitOfWork = uow
    disbursement: DisbursementUnitOfWork = uow
    repayment: RepaymentUnitOfWork = uow
    line: LineUnitOfWork = uow
    draw: DrawUnitOfWork = uow
    eod: EodUnitOfWork = uow
    lending: LendingUnitOfWork = uow  # what `LendingServices` takes
    collections: CollectionsUnitOfWork = uow
    return (loan_file, origination, disbursement, repayment, line, draw, eod, lending, collections)
