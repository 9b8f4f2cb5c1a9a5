"""Servicing in the database: one store per use case, composed into the repository a unit of
work carries. Repositories never commit; look-ups of other areas' tables (loans, instalments,
repayments, decisions, black-list entries) are read only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fengkong.db.servicing_borrowers import SqlBorrowerKeys
from fengkong.db.servicing_collateral import SqlCollateral
from fengkong.db.servicing_collections import SqlCollections
from fengkong.db.servicing_debits import SqlDebits
from fengkong.db.servicing_guarantees import SqlGuarantees
from fengkong.db.servicing_reminders import SqlReminders
from fengkong.lending.servicing_ports import (
    AutoDebitRepository,
    BorrowerKeysRepository,
    CollateralRepository,
    CollectionsRepository,
    GuaranteeRepository,
    ReminderRepository,
    ServicingRepository,
)


class SqlServicingRepository(
    SqlGuarantees, SqlDebits, SqlReminders, SqlCollections, SqlCollateral, SqlBorrowerKeys
):
    """All of servicing's stores over one session (`lending.servicing_ports.ServicingRepository`)."""


# mypy checks each store against the port its use case declares, and the whole against all.
if TYPE_CHECKING:
    _guarantees: type[GuaranteeRepository] = SqlGuarantees
    _debits: type[AutoDebitRepository] = SqlDebits
    _reminders: type[ReminderRepository] = SqlReminders
    _collections: type[CollectionsRepository] = SqlCollections
    _collateral: type[CollateralRepository] = SqlCollateral
    _borrowers: type[BorrowerKeysRepository] = SqlBorrowerKeys
    _servicing: type[ServicingRepository] = SqlServicingRepository
