"""The parts of the wiring that build one service from the settings: access control, the vault,
the configured policy (compiled once per bundle and code: `configured_policy`), the product
catalogue's agreement with it, the fraud stores, the connection pool and the read side (the
use cases that only read, over the read replica when one is configured: `ReadSide`).
`bootstrap` assembles them."""

from __future__ import annotations

import functools
import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from fengkong.access.config import AccessConfig, PasswordCost
from fengkong.core.clock import Clock
from fengkong.core.errors import FieldError, Invalid
from fengkong.core.settings import Settings
from fengkong.db.database import Database, PoolConfig
from fengkong.db.fraud_lists import SqlFraudLists
from fengkong.db.fraud_signal_stores import SqlSignalStores
from fengkong.db.fraud_stores import identity_links, velocity_store
from fengkong.db.uow import SqlUnitOfWork
from fengkong.decision.bundle import ActivePolicy, PolicyBundle
from fengkong.decision.fraud_stage import AnomalyCache, FraudServices
from fengkong.decision.product_agreement import check_policy_product
from fengkong.lending.catalogue import catalogue_errors
from fengkong.lending.product import Product
from fengkong.monitoring.snapshots import MonitoringServices
from fengkong.onboarding.channel import SALES_CHANNELS
from fengkong.onboarding.vault import KeyRing, Vault, generate_keyring

if TYPE_CHECKING:
    from fengkong.db.model_monitoring import SqlModelMonitoring
    from fengkong.decision.customer_view import Finders
    from fengkong.monitoring.early_warning import EarlyWarningServices
    from fengkong.monitoring.stress_report import StressServices


def access_config(settings: Settings) -> AccessConfig:
    """Access control as the settings tune it; a channel key submits for a known sales channel."""
    s = settings
    return AccessConfig(
        lockout_after=s.access_lockout_attempts,
        lockout_for=timedelta(minutes=s.access_lockout_minutes),
        session_idle=timedelta(minutes=s.access_session_idle_minutes),
        session_absolute=timedelta(hours=s.access_session_absolute_hours),
        password_cost=PasswordCost(
            time_cost=s.access_argon2_time_cost,
            memory_cost_kib=s.access_argon2_memory_kib,
            parallelism=s.access_argon2_parallelism,
        ),
        totp_issuer=s.access_totp_issuer,
        channels=SALES_CHANNELS,
        key_lifetime=(
            None
            if s.access_key_lifetime_days is None
            else timedelta(days=s.access_key_lifetime_days)
        ),
    )


def check_products(policy: ActivePolicy, products: tuple[Product, ...]) -> None:
    """Refuse (`Invalid`) a catalogue listing one code@version twice, and a configured policy
    whose product is not the catalogue's product of its code@version on the same terms."""
    errors = catalogue_errors(products)
    if errors:
        raise Invalid(errors)
    check_policy_product(policy.compiled, policy.bundle.document, products, policy.bundle.source)


def load_vault(settings: Settings) -> Vault:
    """The vault over the key file. Development creates one on first use; production refuses to
    start without it, since data encrypted under a lost key is lost."""
    path = settings.resolved_vault_key_file
    if not path.exists():
        if settings.env == "production":
            raise Invalid((FieldError(("vault_key_file",), f"no key file at {path}"),))
        path.parent.mkdir(parents=True, exist_ok=True)
        ring = generate_keyring()
        path.write_text(json.dumps(ring.to_mapping(), indent=2), encoding="utf-8")
        path.chmod(0o600)
    return Vault(KeyRing.load(path))


def configured_policy(bundle: PolicyBundle, markers: Path) -> ActivePolicy:
    """The configured policy, compiled. Most of compiling is checking each price against the
    legal cap at every term and amount it can be offered at; once the check passed, a marker in
    `markers` records it, and a later start with the same bundle (document, tables, cap) and the
    same code skips it, compiling everything else as ever. The marker holds no code and nothing
    that is read back: a forged one could at most let a policy priced above the cap start, and
    the caps stage still lowers each offer to the cap when deciding. A home the process cannot
    write to only means the check runs on every start."""
    marker = markers / f"{_price_check_key(bundle)}.json"
    if marker.is_file():
        return ActivePolicy.of(bundle, prices_checked=True)
    active = ActivePolicy.of(bundle)  # refused (`PolicyError`) if a price breaks the cap
    try:
        markers.mkdir(parents=True, exist_ok=True)
        marker.write_text(
            json.dumps({"source": bundle.source, "bundle_sha256": bundle.sha256}), "utf-8"
        )
    except OSError:
        pass  # the verdict is only a shortcut: without it the next start checks again
    return active


def _price_check_key(bundle: PolicyBundle) -> str:
    return hashlib.sha256(f"{bundle.sha256}:{_code_fingerprint()}".encode()).hexdigest()


@functools.cache
def _code_fingerprint() -> str:
    """The package's source files as installed (path, size, modification time): a change to any
    of them, the price check's own code included, invalidates every marker."""
    package = str(Path(__file__).parent)
    seen: list[str] = []
    for folder, folders, files in os.walk(package):
        folders[:] = [f for f in folders if f != "__pycache__"]
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                stat = os.stat(path)
                where = os.path.relpath(path, package)
                seen.append(f"{where}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(seen)).encode()).hexdigest()


def fraud_services(settings: Settings, db: Database, vault: Vault, clock: Clock) -> FraudServices:
    return FraudServices(
        velocity=velocity_store(
            redis_url=settings.resolved_velocity_redis_url,
            db=db,
            hasher=vault.blind_index,
            clock=clock,
            on_redis_error=settings.velocity_on_redis_error,
        ),
        lists=SqlFraudLists(db, vault.blind_index, clock),
        links=identity_links(
            redis_url=settings.redis_url,
            db=db,
            clock=clock,
            on_redis_error=settings.links_on_redis_error,
        ),
        hasher=vault.blind_index,
        anomaly=AnomalyCache(settings.artifacts_dir),
        links_in_books=not settings.redis_url,
        concurrent=(
            ThreadPoolExecutor(max_workers=4, thread_name_prefix="fraud-signals")
            if settings.fraud_lookups_at_once and (settings.redis_url or db.dialect == "postgresql")
            else None
        ),
        pairing=SqlSignalStores.of,
    )


def pool_config(settings: Settings) -> PoolConfig:
    """The PostgreSQL connection pool `settings` configure (docs/operations-serving.md sizes it)."""
    return PoolConfig(
        size=settings.db_pool_size,
        max_overflow=settings.db_pool_max_overflow,
        timeout_seconds=settings.db_pool_timeout_seconds,
        pre_ping=settings.db_pool_pre_ping,
        recycle_seconds=settings.db_pool_recycle_seconds,
    )


def read_database(settings: Settings) -> Database | None:
    """The read replica `read_database_url` names (the settings checked that it and the primary
    are PostgreSQL), with a pool of its own sized as the primary's; None when none is set. It is
    never migrated: a replica replays the primary's schema. `Invalid` naming the setting for a
    URL SQLAlchemy cannot read or a driver it does not have."""
    url = settings.read_database_url
    if url is None:
        return None
    from sqlalchemy.exc import ArgumentError

    try:
        return Database(
            url, statement_timeout_ms=settings.db_statement_timeout_ms, pool=pool_config(settings)
        )
    except ArgumentError as exc:  # NoSuchModuleError (an unknown driver) is one too
        raise Invalid(
            (
                FieldError(
                    ("read_database_url",),
                    f"not a database URL SQLAlchemy can open ({type(exc).__name__}) / "
                    "只读副本地址无法识别",
                ),
            )
        ) from None


def finders_over(db: Database, vault: Vault, clock: Clock) -> Finders:
    """The searches behind the lists and views of applications, decisions, loans, lines and
    customers, over `db`."""
    # Imported here: the searches and their query builders are not loaded by a command that
    # does not search.
    from fengkong.db.search_decisions import SqlApplicationSearch
    from fengkong.db.search_lending import SqlLendingSearch
    from fengkong.decision.customer_view import Finders

    books = SqlApplicationSearch(db)
    lending = SqlLendingSearch(db)
    return Finders(
        applications=books,
        decisions=books,
        loans=lending,
        lines=lending,
        customers=books,
        vault=vault,
        clock=clock,
    )


class PrimaryWiring(Protocol):
    """What the read side takes from the primary's wiring (`bootstrap.Context`)."""

    @property
    def db(self) -> Database: ...
    @property
    def vault(self) -> Vault: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def finders(self) -> Finders: ...
    @property
    def monitoring(self) -> MonitoringServices: ...
    @property
    def stress(self) -> StressServices: ...
    @property
    def early_warning(self) -> EarlyWarningServices: ...


class ReadSide:
    """The use cases that only read and may read a little behind the primary (docs/scaling.md,
    "Read replicas"): the portfolio searches, the reports (portfolio, vintage, rolls,
    concentration, stress, monthly, drift, fairness) and the alert list, over `db`, the read
    replica. Without one, `db` is the primary and each service is the primary's own. What writes,
    or reads back what it has just written, never comes here: authentication, decisions,
    `report rebuild`, alerts evaluated or acknowledged use the primary's wiring."""

    def __init__(self, db: Database, primary: PrimaryWiring) -> None:
        self.db = db
        self._primary = primary

    @property
    def on_replica(self) -> bool:
        """Whether the reads go to a replica rather than the primary."""
        return self.db is not self._primary.db

    def uow(self) -> SqlUnitOfWork:
        """A unit of work over the read database; the read-only use cases never commit it (on
        the replica a write fails: PostgreSQL refuses it in recovery)."""
        return SqlUnitOfWork(self.db)

    @cached_property
    def _replica_finders(self) -> Finders:
        return finders_over(self.db, self._primary.vault, self._primary.clock)

    @property
    def finders(self) -> Finders:
        """The portfolio searches (applications, decisions, loans, lines)."""
        return self._replica_finders if self.on_replica else self._primary.finders

    @property
    def monitoring(self) -> MonitoringServices:
        """The portfolio, vintage, roll-rate, concentration and monthly reports."""
        primary = self._primary.monitoring
        return replace(primary, uow=self.uow) if self.on_replica else primary

    @property
    def stress(self) -> StressServices:
        """The stress tests."""
        primary = self._primary.stress
        return replace(primary, uow=self.uow) if self.on_replica else primary

    @property
    def early_warning(self) -> EarlyWarningServices:
        """The alerts as listed (`list_alerts`, `alerts_opened`); never evaluated or
        acknowledged through this."""
        primary = self._primary.early_warning
        return replace(primary, uow=self.uow) if self.on_replica else primary

    def model_monitoring(self) -> SqlModelMonitoring:
        """The decisions and outcomes the drift and fairness reports read."""
        from fengkong.db.model_monitoring import SqlModelMonitoring

        return SqlModelMonitoring(self.db)
