"""Settings from `FENGKONG_*` environment variables, then an optional `fengkong.toml`, then defaults.

The toml file is looked up at `FENGKONG_CONFIG` or `./fengkong.toml`; environment variables win.
"""

from __future__ import annotations

import os
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from fengkong.core.redis_urls import check_links_redis_url, check_velocity_redis_url
from fengkong.core.serving_settings import ServingSettings

# A PostgreSQL URL with any driver (`postgresql+psycopg://`); read without SQLAlchemy, which the
# CLI does not load to parse its settings.
_POSTGRES_URL = re.compile(r"postgresql(\+\w+)?://", re.IGNORECASE)


# The kinds of external data (`sources.kinds.SourceKind`'s values: the kernel cannot import them;
# a test holds the two together).
SourceKindName = Literal[
    "credit_bureau",
    "bank_statement",
    "business_registry",
    "tax_payments",
    "utility_payments",
    "financial_statements",
    "id_name_match",
    "carrier_three_factor",
    "bank_card_four_factor",
    "sms_otp",
    "liveness",
]


class SourceSettings(BaseModel):
    """One kind of external data's provider and retention (docs/external-data.md). Without a
    `url` no provider is configured: the kind can be imported from files, not fetched."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, description="The provider's base URL.")
    token: SecretStr | None = Field(default=None, description="Bearer token sent to it.")
    provider: str | None = Field(
        default=None, max_length=60, description="Its name in the records; default: the URL's host."
    )
    timeout: float = Field(default=5.0, gt=0, le=120, description="Seconds per try.")
    retries: int = Field(default=2, ge=0, le=10, description="Tries after the first.")
    breaker_failures: int = Field(
        default=5, ge=1, description="Consecutive failed calls that open the circuit breaker."
    )
    breaker_reset_seconds: float = Field(
        default=30.0, gt=0, description="How long it stays open before one call may try."
    )
    retention_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="How long a payload is kept; default `sources.fetching.DEFAULT_RETENTION_DAYS`.",
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"a provider is an http(s) URL: {value!r}")
        return value.rstrip("/") if value else None


def _config_file() -> Path:
    return Path(os.environ.get("FENGKONG_CONFIG", "fengkong.toml"))


class Settings(ServingSettings):
    model_config = SettingsConfigDict(env_prefix="FENGKONG_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    home: Path = Field(default=Path("var"), description="Where the SQLite file and artifacts live.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: a SQLite file under `home`."
    )
    read_database_url: str | None = Field(
        default=None,
        description="A PostgreSQL streaming replica (SQLAlchemy URL) for the use cases that only "
        "read and may lag by its replay delay: the portfolio searches, the reports, the alert "
        "list (docs/scaling.md); its own pool, sized as the primary's, never migrated. Needs a "
        "PostgreSQL `database_url`. Default: none, everything reads the primary.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis for the identity-link graph (one primary: it cannot be split across a "
        "cluster's slots) and, unless `velocity_redis_url` names another, the velocity counters; "
        "default: the database.",
    )
    velocity_redis_url: str | None = Field(
        default=None,
        description="Redis for the velocity counters: one server (`redis://`, `rediss://`) or a "
        "Redis Cluster (`redis+cluster://host:port[,host:port]`, the form rate limits take); "
        "default: `redis_url`.",
    )
    velocity_on_redis_error: Literal["fail_closed", "fallback_db"] = Field(
        default="fail_closed",
        description="On a Redis outage: refer applications to review, or count in the database.",
    )
    links_on_redis_error: Literal["fail_closed", "fallback_db"] = Field(
        default="fail_closed",
        description="On a Redis outage: refer applications to review, or link them in the "
        "database.",
    )
    fraud_lookups_at_once: bool = Field(
        default=False,
        description="Ask velocity, lists and links at once, each on its own connection and "
        "thread, when they are servers (PostgreSQL, Redis): worth it when "
        "they sit across a network; with the database on the same few cores the threads cost "
        "more CPU than the overlap saves (docs/performance.md).",
    )
    vault_key_file: Path | None = Field(
        default=None,
        description="JSON key ring for personal data; default `home`/keys.json, created in "
        "development, required in production.",
    )
    audit_key_file: Path | None = Field(
        default=None,
        description="Ed25519 key (PEM) that signs audit checkpoints; default "
        "`home`/audit-signing-key.pem, created on first use with mode 0600.",
    )
    audit_checkpoint_dir: Path | None = Field(
        default=None,
        description="Where signed audit checkpoints are written; default `home`/checkpoints. "
        "Copy them somewhere the database's administrators cannot write.",
    )
    audit_timestamp_url: str | None = Field(
        default=None,
        description="An RFC 3161 timestamping authority (http or https URL): when set, each "
        "checkpoint carries its token over the checkpoint's digest (docs/audit.md).",
    )
    audit_timestamp_ca_file: Path | None = Field(
        default=None,
        description="The timestamping authority's root and intermediate certificates (PEM), "
        "trusted when tokens are checked: as they are written, and by `fengkong audit verify`.",
    )
    audit_timestamp_timeout: float = Field(
        default=10.0,
        gt=0,
        le=120,
        description="Seconds to wait for the timestamping authority; one try, no retries.",
    )
    policy_file: Path | None = Field(
        default=None, description="Policy document (YAML or JSON); default: the shipped retail-v3."
    )
    sources: dict[SourceKindName, SourceSettings] = Field(
        default_factory=dict,
        description="Per kind of external data, its provider (URL, token, timeout, retries, "
        'circuit breaker) and retention, e.g. {"credit_bureau": {"url": "https://…", '
        '"token": "…"}} (docs/external-data.md). None by default: no kind is fetched.',
    )
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"

    identity_check_prices: dict[str, int] = Field(
        default_factory=dict,
        description="Price per call of identity checks in fen, over the defaults "
        '(`sources.identity`), e.g. {"liveness": 120, "sms_otp": 4}.',
    )

    model_challenger_share: Decimal = Field(
        default=Decimal(0),
        ge=0,
        le=1,
        description="Share of applications the challenger model sees (routed by application id).",
    )
    model_challenger_mode: Literal["split", "shadow"] = Field(
        default="shadow",
        description="split: the challenger decides its share; shadow: it only scores beside.",
    )

    policy_challenger_share: Decimal = Field(
        default=Decimal(0),
        ge=0,
        le=1,
        description="Share of applications the registry's challenger policy sees.",
    )
    policy_challenger_mode: Literal["split", "shadow"] = Field(
        default="shadow",
        description="split: the challenger policy decides its share; shadow: recorded only.",
    )

    lending_write_off_dpd: int = Field(default=180, ge=1, description="Days past due to write off.")
    lending_reserve_rate: Decimal = Field(
        default=Decimal("0.015"),
        ge=0,
        le=1,
        description="General risk reserve, share of principal.",
    )
    monitoring_lgd: Decimal = Field(
        default=Decimal("0.45"),
        gt=0,
        le=1,
        description="Loss given default in the portfolio snapshots' expected loss (PD × LGD × "
        "EAD): the Basel foundation-IRB figure for senior unsecured claims by default.",
    )
    early_warning_rules_file: Path | None = Field(
        default=None,
        description="The early-warning rules (YAML, docs/early-warning.md); the shipped "
        "`monitoring/rules/default.yaml` when not set.",
    )
    alert_webhook_url: str | None = Field(
        default=None,
        description="Where early-warning alerts are posted (JSON); the log when not set.",
    )
    model_alert_models: list[str] | None = Field(
        default=None,
        description="The model versions whose drift and fairness breaches open early-warning "
        "alerts (docs/early-warning.md); every model that decided in the window when not set, "
        "none for [].",
    )
    model_alert_window_days: int = Field(
        default=90,
        ge=1,
        le=366,
        description="The business dates (ending on the evaluated date) whose decisions the "
        "model alerts' drift and fairness reports read, by month.",
    )
    monitoring_concentration_limits: dict[
        Literal["region", "product", "channel", "industry"], Annotated[Decimal, Field(gt=0, le=1)]
    ] = Field(
        default_factory=dict,
        description="Per dimension, the largest share of the principal outstanding one segment "
        'may hold, e.g. {"region": "0.35"}; a segment above it is flagged by the concentration '
        "report. None by default.",
    )
    line_reduce_below_score: int | None = Field(
        default=None,
        description="Reduce a credit line's limit (to `line_reduce_to` of itself) when its "
        "borrower's behaviour score falls below this (docs/post-loan.md); off when not set.",
    )
    line_reduce_to: Decimal = Field(default=Decimal("0.5"), ge=0, lt=1)
    behaviour_rescore_every_days: int = Field(
        default=1,
        ge=1,
        le=31,
        description="How often end of day re-scores the active borrowers: every night (1), or "
        "on the dates whose day number since 0001-01-01 this divides (7: Sundays).",
    )
    line_freeze_below_score: int | None = Field(
        default=None, description="Freeze a line when the behaviour score falls below this."
    )
    line_close_below_score: int | None = Field(
        default=None, description="Close a line when the behaviour score falls below this."
    )
    line_raise_above_score: int | None = Field(
        default=None,
        description="Raise a good payer's limit by `line_raise_by` when the behaviour score is "
        "at least this, with no days past due and `line_raise_clean_months` clean months.",
    )
    line_raise_by: Decimal = Field(default=Decimal("0.2"), gt=0, le=1)
    line_raise_clean_months: int = Field(default=6, ge=0)
    line_score_cooldown_days: int = Field(
        default=90, ge=0, description="Days before a limit the score moved is moved by it again."
    )
    line_draw_pricing: list[tuple[int, Decimal]] = Field(
        default_factory=list,
        description="Risk-based pricing of a line's draws: [lowest behaviour score, change to "
        'the line\'s annual rate] pairs, e.g. [[650, "-0.02"], [0, "0.03"]]; the first pair '
        "(by score, highest first) the borrower's latest score reaches applies, within the "
        "product's rates and the price cap. None by default: draws take the line's rate.",
    )
    lending_payout_attempts: int = Field(default=3, ge=1)
    lending_overpayment_allowance_fen: int = Field(
        default=0,
        ge=0,
        description="How far a repayment may exceed what settles the loan today (kept as "
        "unapplied credit); beyond it the payment is refused (422 payment_exceeds_amount_due).",
    )
    lending_max_payment_fen: int = Field(
        default=1_000_000_000, ge=1, description="The largest single payment, fen (¥10,000,000)."
    )
    eod_chunk: int = Field(default=500, ge=1, description="Loans per end-of-day transaction.")
    payment_channel: Literal["simulated"] = Field(
        default="simulated",
        description="Payout and auto-debit channel; `simulated` is the built-in test gateway.",
    )
    simulated_failure_rate: float = Field(
        default=0.0, ge=0, le=1, description="Share of simulated payouts that fail (tests, drills)."
    )

    reminder_channel: Literal["log", "webhook"] = Field(
        default="log", description="Where borrower reminders go: the log, or a webhook."
    )
    reminder_webhook_url: str | None = Field(
        default=None, description="With reminder_channel=webhook: the URL that receives them."
    )
    line_dispute_contact: str = Field(
        default="",
        max_length=60,
        description="How a borrower disputes a rule's action on their line (a hotline), named "
        "in the line notices; empty names customer service alone.",
    )

    # The cap on the all-in annual cost of credit (interest plus fees, IRR), a fraction; with
    # `lpr` and `lpr_date` set, the cap is 4 × that one-year LPR instead.
    apr_cap: Decimal = Field(default=Decimal("0.24"), gt=0, le=1)
    lpr: Decimal | None = Field(default=None, gt=0, lt=Decimal("0.25"))
    lpr_date: date | None = None
    review_sla_hours: int = Field(
        default=24, ge=1, description="Due time of a referral when the policy names none."
    )
    review_claim_timeout_minutes: int = Field(default=30, ge=1)
    review_four_eyes_above_fen: int = Field(
        default=2_000_000, ge=0, description="Referred amounts above this need two officers."
    )
    review_expire_after_days: int = Field(default=14, ge=1)
    idempotency_retention_hours: int = Field(
        default=24,
        ge=1,
        description="How long the API keeps the response to a request sent with an "
        "Idempotency-Key, to answer its repeats with (docs/idempotency.md).",
    )
    idempotency_wait_seconds: float = Field(
        default=30,
        gt=0,
        le=600,
        description="How long a repeat waits for the first request with its key to finish "
        "before it is answered 409 (docs/idempotency.md).",
    )
    idempotency_lease_seconds: float = Field(
        default=60,
        ge=2,
        le=3600,
        description="How long a running request's claim on its key outlives the last renewal by "
        "its worker (renewed every quarter of this while it runs): a repeat of a request whose "
        "worker died runs, or finds what it decided, after at most this (docs/idempotency.md).",
    )
    idempotency_max_body_bytes: int = Field(
        default=256 * 1024,
        ge=0,
        description="Responses larger than this are not stored: a repeat runs again, and the "
        "use case's own idempotency answers it (docs/idempotency.md).",
    )

    # Access control (docs/access.md).
    access_lockout_attempts: int = Field(
        default=5, ge=1, le=100, description="Consecutive failed logins that lock a user."
    )
    access_lockout_minutes: int = Field(
        default=15, ge=1, le=7 * 24 * 60, description="How long a lock-out lasts."
    )
    access_session_idle_minutes: int = Field(
        default=8 * 60, ge=1, description="A session unused this long has ended."
    )
    access_session_absolute_hours: int = Field(
        default=12, ge=1, le=24 * 30, description="A session ends this long after login."
    )
    access_key_lifetime_days: int | None = Field(
        default=365,
        ge=1,
        description="Lifetime of a new API key when its issuer names none; unset: no expiry.",
    )
    # Argon2id's cost; unset: argon2-cffi's defaults, which production keeps. Tests lower them.
    access_argon2_time_cost: int | None = Field(default=None, ge=1)
    access_argon2_memory_kib: int | None = Field(default=None, ge=8)
    access_argon2_parallelism: int | None = Field(default=None, ge=1, le=64)
    access_totp_issuer: str = Field(
        default="Fengkong", min_length=1, max_length=60, description="Shown in authenticator apps."
    )

    @model_validator(mode="after")
    def _check_access(self) -> Settings:
        if self.access_session_idle_minutes > self.access_session_absolute_hours * 60:
            raise ValueError(
                "access_session_idle_minutes cannot exceed access_session_absolute_hours"
            )
        memory, lanes = self.access_argon2_memory_kib, self.access_argon2_parallelism
        if memory is not None and memory < 8 * (lanes or 4):
            raise ValueError("access_argon2_memory_kib must be at least 8 × the parallelism")
        return self

    @field_validator("redis_url")
    @classmethod
    def _links_on_one_primary(cls, value: str | None) -> str | None:
        return check_links_redis_url(value)

    @field_validator("velocity_redis_url")
    @classmethod
    def _velocity_redis(cls, value: str | None) -> str | None:
        return check_velocity_redis_url(value)

    @field_validator("read_database_url")
    @classmethod
    def _read_database(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not _POSTGRES_URL.match(value):
            # the URL itself is not repeated: it may carry a password
            raise ValueError(
                f"a read replica is a PostgreSQL URL (postgresql://…), not {value.split(':')[0]!r}"
                " / 只读副本须为 PostgreSQL 地址"
            )
        return value

    @model_validator(mode="after")
    def _read_database_needs_postgres(self) -> Settings:
        if self.read_database_url is not None and not _POSTGRES_URL.match(
            self.resolved_database_url
        ):
            raise ValueError(
                "read_database_url needs a PostgreSQL database_url: SQLite has no replica, and "
                "a second engine on its file would read what the first does / 只读副本仅用于 "
                "PostgreSQL 主库"
            )
        return self

    @model_validator(mode="after")
    def _pool_serves_the_requests_in_flight(self) -> Settings:
        # A request checks its credentials on the worker's event loop: with fewer connections
        # than requests in flight it could wait there for one, and hold up the whole worker.
        connections = self.db_pool_size + self.db_pool_max_overflow
        if _POSTGRES_URL.match(self.resolved_database_url) and connections < self.api_max_in_flight:
            raise ValueError(
                f"db_pool_size + db_pool_max_overflow ({connections}) must be at least "
                f"api_max_in_flight ({self.api_max_in_flight}) / 连接池须不少于并发处理的请求数"
            )
        return self

    @field_validator("audit_timestamp_url")
    @classmethod
    def _timestamp_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"a timestamping authority is an http(s) URL: {value!r}")
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'fengkong.db').as_posix()}"

    @property
    def resolved_velocity_redis_url(self) -> str | None:
        """The Redis the velocity counters live in, `None` for the database."""
        return self.velocity_redis_url or self.redis_url or None

    @property
    def resolved_vault_key_file(self) -> Path:
        return self.vault_key_file or self.home / "keys.json"

    @property
    def resolved_audit_key_file(self) -> Path:
        return self.audit_key_file or self.home / "audit-signing-key.pem"

    @property
    def resolved_audit_checkpoint_dir(self) -> Path:
        return self.audit_checkpoint_dir or self.home / "checkpoints"

    @property
    def price_cap(self) -> dict[str, str]:
        if self.lpr is not None:
            if self.lpr_date is None:
                raise ValueError("FENGKONG_LPR needs FENGKONG_LPR_DATE, the day it was published")
            return {"lpr": str(self.lpr), "lpr_date": self.lpr_date.isoformat()}
        return {"annual": str(self.apr_cap)}

    @property
    def artifacts_dir(self) -> Path:
        return self.home / "artifacts"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml)


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
