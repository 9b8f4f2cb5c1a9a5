"""Wiring, done once: settings → database, clock, vault, policy, models. The API, the CLI and the
demo all start here and then call the same services."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fengkong.access.logins import AccessAuthenticator
from fengkong.access.ports import Authenticator
from fengkong.access.stores import Access
from fengkong.core.clock import Clock, SystemClock
from fengkong.core.errors import FieldError, Invalid
from fengkong.core.settings import Settings, load_settings
from fengkong.db.access_repository import api_key_reader
from fengkong.db.audit_checkpoints import Ed25519KeyFile, FileCheckpointWriter
from fengkong.db.audit_timestamps import HttpTimestamper
from fengkong.db.concentration_reads import SqlSnapshotSegments
from fengkong.db.database import Database
from fengkong.db.live_registry import SqlDecisionReads
from fengkong.db.migrate import ensure_current
from fengkong.db.uow import SqlUnitOfWork
from fengkong.decision.bundle import ActivePolicy, PolicyBundle, PolicyCache, read_bundle
from fengkong.decision.compiler import compile_policy
from fengkong.decision.concentration import ConcentrationCache
from fengkong.decision.fraud_stage import FraudServices
from fengkong.decision.live import LiveCache
from fengkong.decision.policy_products import POLICY_PRODUCTS
from fengkong.decision.pricing import price_cap_from_config
from fengkong.decision.product_agreement import check_policy_product
from fengkong.decision.record import DecisionRecord
from fengkong.decision.review import ReviewConfig
from fengkong.decision.review_queue import enqueue_referral
from fengkong.decision.routing import ChallengerConfig, Mode
from fengkong.decision.scoring_models import ChampionCache
from fengkong.decision.service import DecisionServices
from fengkong.decision.verification import VerificationServices
from fengkong.fraud.lists import ListLookup
from fengkong.fraud.together import RecordAndLink
from fengkong.lending.catalogue import DEFAULT_PRODUCTS
from fengkong.lending.config import LendingConfig
from fengkong.lending.delinquency import WriteOffPolicy
from fengkong.lending.line import LineRules
from fengkong.lending.payment import SimulatedGateway
from fengkong.lending.product import Product
from fengkong.lending.reminders import LogChannel, WebhookChannel
from fengkong.lending.services import LendingServices
from fengkong.lending.servicing import ReminderChannel, ServicingConfig, ServicingServices
from fengkong.monitoring.snapshots import MonitoringServices
from fengkong.onboarding.vault import Vault
from fengkong.sources.connector import Connector
from fengkong.sources.identity import IdentityPrices
from fengkong.sources.identity_simulated import SimulatedIdentityProvider
from fengkong.sources.kinds import IDENTITY_CHECKS
from fengkong.wiring import (
    ReadSide,
    access_config,
    check_products,
    configured_policy,
    finders_over,
    fraud_services,
    load_vault,
    pool_config,
    read_database,
)

if TYPE_CHECKING:
    from fengkong.decision.customer_view import Finders
    from fengkong.lending.behaviour import BehaviourModel
    from fengkong.lending.eod_steps import DateStep
    from fengkong.lending.rescoring import RescoringServices
    from fengkong.monitoring.early_warning import EarlyWarningServices
    from fengkong.monitoring.stress_report import StressServices
    from fengkong.sources.services import SourceServices


@dataclass
class Context:
    settings: Settings
    db: Database
    clock: Clock
    vault: Vault
    policy: ActivePolicy
    champion: ChampionCache
    fraud: FraudServices | None = None
    # The product catalogue (`lending.catalogue`): each code@version once, and the product any
    # policy offers is one of these, on these terms (docs/adr/0006).
    products: tuple[Product, ...] = DEFAULT_PRODUCTS
    # The read replica (`read_database_url`) the read-only use cases read through `reads`;
    # none: they read `db`.
    replica: Database | None = None
    decisions: DecisionServices = field(init=False)
    lending: LendingServices = field(init=False)
    servicing: ServicingServices = field(init=False)

    def __post_init__(self) -> None:
        check_products(self.policy, self.products)
        self.lending = self._lending()
        self.decisions = DecisionServices(
            uow=self.uow,
            clock=self.clock,
            vault=self.vault,
            champion=self.champion,
            reads=self.decision_reads,
            live=LiveCache(PolicyCache(self.policy, self.settings.price_cap)),
            fraud=self.fraud,
            on_refer=self.queue_referral,
            sources=lambda: self.sources,
            policy_challenge=ChallengerConfig(
                share=self.settings.policy_challenger_share,
                mode=Mode(self.settings.policy_challenger_mode),
            ),
            model_challenge=ChallengerConfig(
                share=self.settings.model_challenger_share,
                mode=Mode(self.settings.model_challenger_mode),
            ),
            concentration=ConcentrationCache(
                SqlSnapshotSegments(self.db),
                self.clock,
                # As the concentration report reads them (validated by the settings).
                {str(k): v for k, v in self.settings.monitoring_concentration_limits.items()},
            ),
        )
        self.servicing = ServicingServices(
            lending=self.lending,
            vault=self.vault,
            channel=self._reminder_channel(),
            config=ServicingConfig(dispute_contact=self.settings.line_dispute_contact),
            uow=self.uow,
        )

    @cached_property
    def access(self) -> Access:
        """Users, sessions and API keys over the database; TOTP secrets sealed by the vault."""
        return Access(
            uow=self.uow,
            clock=self.clock,
            cipher=self.vault,
            config=access_config(self.settings),
            read_key=api_key_reader(self.db),
        )

    @cached_property
    def authenticator(self) -> Authenticator:
        """Turns a presented API key or session token into an actor."""
        return AccessAuthenticator(self.access)

    @cached_property
    def checkpoints(self) -> FileCheckpointWriter:
        """Signed checkpoints of the audit chain, in the configured folder; the signing key is
        created the first time one is signed. Timestamped by the configured authority, if any."""
        s = self.settings
        stamper = None
        if s.audit_timestamp_url is not None:
            stamper = HttpTimestamper(
                s.audit_timestamp_url,
                ca_file=s.audit_timestamp_ca_file,
                timeout=s.audit_timestamp_timeout,
            )
        return FileCheckpointWriter(
            self.uow,
            self.clock,
            Ed25519KeyFile(s.resolved_audit_key_file),
            s.resolved_audit_checkpoint_dir,
            stamper,
        )

    @cached_property
    def finders(self) -> Finders:
        """The searches behind the lists and views of applications, decisions, loans, lines and
        customers on the primary: wired when first asked for, since deciding and servicing never
        search. The portfolio lists read through `reads.finders`."""
        return finders_over(self.db, self.vault, self.clock)

    @cached_property
    def reads(self) -> ReadSide:
        """The use cases that only read and may lag (the portfolio lists, the reports, the alert
        list): over the replica when one is configured, else exactly as the primary's."""
        return ReadSide(self.replica or self.db, self)

    @cached_property
    def monitoring(self) -> MonitoringServices:
        """Portfolio snapshots: written by end of day, read by the reports."""
        return MonitoringServices(
            uow=self.uow,
            clock=self.clock,
            lgd=self.settings.monitoring_lgd,
            vault=self.vault,
            lending=self.lending.config,
            concentration_limits={
                str(k): v for k, v in self.settings.monitoring_concentration_limits.items()
            },
        )

    @cached_property
    def identity_checks(self) -> Connector | None:
        """The identity-check providers (`sources.identity`): for each check whose URL the
        settings' `sources` name, its HTTP client (`db.source_http`); for the others, the
        in-process simulated provider outside production (everyone is who they say), none in
        production (a check then answers 503 and the decision waits). Tests and the simulator
        put their own in its place."""
        from fengkong.db.source_http import http_connector, source_settings
        from fengkong.sources.connector import ConnectorsByKind

        s = self.settings
        configured = {
            kind: http_connector(kind, s)
            for kind in IDENTITY_CHECKS
            if (config := source_settings(kind, s)) is not None and config.url is not None
        }
        fallback = (
            None
            if s.env == "production"
            else SimulatedIdentityProvider(prices=self.identity.prices)
        )
        if not configured:
            return fallback
        return ConnectorsByKind(configured, fallback)

    @cached_property
    def identity(self) -> VerificationServices:
        """Identity checks for decisions waiting for one (`decision.verification`), priced as
        configured."""
        return VerificationServices(
            decisions=self.decisions,
            uow=self.uow,
            prices=IdentityPrices.of(self.settings.identity_check_prices),
        )

    @cached_property
    def stress(self) -> StressServices:
        """Stress tests over the snapshots (`monitoring.stress_report`), with lending's
        provisioning rates and classification."""
        from fengkong.monitoring.stress_report import StressServices

        config = self.lending.config
        return StressServices(
            uow=self.uow,
            clock=self.clock,
            provision_rates=config.provision_rates,
            classification=config.classification,
        )

    @cached_property
    def early_warning(self) -> EarlyWarningServices:
        """Early-warning rules over the snapshots and their alerts; the rules file is read and
        checked here, once (`BadRules`, naming the allowed values, if it is wrong). Beside the
        rules, the models' drift and fairness breaches (`model_alert_models`). Alerts go to the
        configured webhook, or to the log."""
        from fengkong.db.model_monitoring import SqlModelMonitoring
        from fengkong.monitoring.alert_rules import load_rules
        from fengkong.monitoring.early_warning import EarlyWarningServices
        from fengkong.monitoring.model_watch import ModelWatch

        s = self.settings
        url = s.alert_webhook_url
        channel: ReminderChannel = WebhookChannel(url) if url else LogChannel()
        models = None if s.model_alert_models is None else tuple(s.model_alert_models)
        return EarlyWarningServices(
            uow=self.uow,
            clock=self.clock,
            rules=load_rules(s.early_warning_rules_file),
            channel=channel,
            lender=self.lending.config.lender_name,
            models=ModelWatch(
                SqlModelMonitoring(self.db),
                self.vault,
                models,
                window_days=s.model_alert_window_days,
            ),
        )

    @cached_property
    def sources(self) -> SourceServices:
        """External data: fetched under consent from the configured providers (`sources` in the
        settings), cached and recorded sealed by the vault, kept for each kind's retention."""
        from fengkong.db.source_http import http_connector
        from fengkong.sources.fetching import Recording
        from fengkong.sources.kinds import SourceKind
        from fengkong.sources.services import SourceServices

        settings = self.settings
        retention = {
            SourceKind(kind): config.retention_days
            for kind, config in settings.sources.items()
            if config.retention_days is not None
        }
        connectors: dict[SourceKind, Connector] = {}

        def connector(kind: SourceKind) -> Connector:
            # one client per kind for the process: its connections are kept alive between calls
            if kind not in connectors:
                connectors[kind] = http_connector(kind, settings)
            return connectors[kind]

        return SourceServices(
            uow=self.uow,
            clock=self.clock,
            recording=Recording(cipher=self.vault, retention_days=retention),
            connector=connector,
        )

    @cached_property
    def rescoring(self) -> RescoringServices:
        """Post-loan re-scoring: the champion behaviour model, loaded afresh each night (a
        promotion takes effect at the next end of day), and the configured line rules."""
        from fengkong.lending.rescoring import RescoringServices

        def model() -> BehaviourModel | None:
            # Imported here: the model brings the scoring libraries, which reading a line's
            # kept scores (the console, the API) never needs.
            from fengkong.lending.behaviour_model import champion_behaviour_model

            with self.uow() as uow:
                return champion_behaviour_model(uow.models, self.artifacts_dir)

        return RescoringServices(
            uow=self.uow,
            clock=self.clock,
            rules=self.lending.config.line_rules,
            model=model,
            every_days=self.settings.behaviour_rescore_every_days,
        )

    def eod_steps(self) -> tuple[DateStep, ...]:
        """End of day's per-date jobs, in order: the servicing jobs, the behaviour re-score
        and its line actions (and their notices to the borrowers), the portfolio snapshot (so that it sees the loans as the date's
        work left them), then early warning's rules on that snapshot."""
        from fengkong.lending.line_notices import line_notice_step
        from fengkong.lending.rescoring import rescore_step
        from fengkong.lending.servicing_steps import servicing_steps
        from fengkong.monitoring.early_warning import alert_step
        from fengkong.monitoring.snapshots import snapshot_step

        def line_notices_after_rescore(day: date) -> Mapping[str, int]:
            # the re-score acts on lines after the servicing jobs' notice step has run: its
            # actions are told now (the step sends only what is not yet sent)
            return line_notice_step(day, self.servicing)

        return (
            *servicing_steps(self.servicing),
            rescore_step(self.rescoring),
            line_notices_after_rescore,
            snapshot_step(self.monitoring),
            alert_step(self.early_warning),
        )

    def _reminder_channel(self) -> ReminderChannel:
        if self.settings.reminder_channel == "webhook":
            if not self.settings.reminder_webhook_url:
                raise Invalid(
                    (FieldError(("reminder_webhook_url",), "the webhook channel needs a URL"),)
                )
            return WebhookChannel(self.settings.reminder_webhook_url)
        return LogChannel()

    def _lending(self) -> LendingServices:
        s = self.settings
        config = LendingConfig(
            apr_cap=price_cap_from_config(s.price_cap).annual,
            write_off=WriteOffPolicy(min_days_past_due=s.lending_write_off_dpd),
            reserve_rate=s.lending_reserve_rate,
            payout_attempts=s.lending_payout_attempts,
            overpayment_allowance=s.lending_overpayment_allowance_fen,
            max_payment=s.lending_max_payment_fen,
            eod_chunk=s.eod_chunk,
            products=self.products,
            line_rules=LineRules(
                reduce_below_score=s.line_reduce_below_score,
                reduce_to=s.line_reduce_to,
                freeze_below_score=s.line_freeze_below_score,
                close_below_score=s.line_close_below_score,
                raise_above_score=s.line_raise_above_score,
                raise_by=s.line_raise_by,
                raise_clean_months=s.line_raise_clean_months,
                score_cooldown_days=s.line_score_cooldown_days,
            ),
            draw_pricing=tuple(sorted(((m, r) for m, r in s.line_draw_pricing), reverse=True)),
        )
        channel = SimulatedGateway(failure_rate=s.simulated_failure_rate)
        return LendingServices(
            uow=self.uow,
            clock=self.clock,
            channel=channel,
            config=config,
            vault=self.vault,
            policy_products=POLICY_PRODUCTS,
            checkpoints=self.checkpoints,
        )

    def queue_referral(self, uow: Any, decision: DecisionRecord, due_hours: int | None) -> None:
        """Put a referred decision in the officers' queue, in the decision's own transaction;
        the policy's review window wins over the configured one. A decision is referred when it
        is made or when its step-up check completes, never twice (a referred decision is not
        resumed), so the queue is not searched for it first."""
        config = ReviewConfig.from_settings(self.settings)
        if due_hours is not None:
            config = replace(
                config,
                sla=timedelta(hours=due_hours),
                expire_after=max(config.expire_after, timedelta(hours=due_hours)),
            )
        enqueue_referral(uow, decision, self.clock, config, never_queued=True)

    def policy_validator(self, text: str) -> str:
        """How a submitted policy is checked: compiled under this deployment's price cap, and
        offering a product of this deployment's catalogue on the catalogue's terms."""
        policy = compile_policy(text, cap=price_cap_from_config(self.settings.price_cap))
        check_policy_product(policy, text, self.lending.config.products)
        return policy.label

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.db)

    def decision_reads(
        self,
        id_number_bidx: str,
        list_lookup: ListLookup | None,
        record_and_link: RecordAndLink | None,
    ) -> AbstractContextManager[Callable[[], SqlDecisionReads]]:
        return SqlDecisionReads.of_application(
            self.db, id_number_bidx, list_lookup, record_and_link
        )

    @property
    def artifacts_dir(self) -> Path:
        return self.settings.artifacts_dir

    def close(self) -> None:
        if self.fraud is not None and self.fraud.concurrent is not None:
            self.fraud.concurrent.shutdown()
        self.db.dispose()
        if self.replica is not None:
            self.replica.dispose()


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    policy: PolicyBundle | None = None,
    products: tuple[Product, ...] | None = None,
) -> Context:
    """The wiring for `settings`. `products` replaces the product catalogue; the configured
    policy must offer one of its products on its terms, or nothing starts (`Invalid`). With
    `read_database_url`, a second engine over the replica (never migrated) for `Context.reads`."""
    settings = settings or load_settings()
    products = DEFAULT_PRODUCTS if products is None else products
    bundle = policy or read_bundle(settings.policy_file, settings.price_cap)
    active = configured_policy(bundle, settings.home / "cache" / "prices-checked")
    check_products(active, products)  # before anything is opened
    db = Database(
        settings.resolved_database_url,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        pool=pool_config(settings),
    )
    if migrate:  # API workers start with `migrate=False`: `fengkong serve` migrated once
        ensure_current(db)
    try:
        replica = read_database(settings)
    except Invalid:
        db.dispose()
        raise
    clock = clock or SystemClock()
    vault = load_vault(settings)
    return Context(
        settings=settings,
        db=db,
        clock=clock,
        vault=vault,
        policy=active,
        champion=ChampionCache(settings.artifacts_dir),
        fraud=fraud_services(settings, db, vault, clock),
        products=products,
        replica=replica,
    )
