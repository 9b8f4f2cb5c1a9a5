"""The serving settings of each API worker: the HTTP edge (body size, time, CORS, rate limits),
admission control, and the PostgreSQL connection pool (docs/operations-serving.md). Part of
`core.settings.Settings`, which inherits them."""

from __future__ import annotations

import re

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_RATE = re.compile(
    r"[1-9]\d*\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day|month|year)s?", re.IGNORECASE
)


class ServingSettings(BaseSettings):
    """`FENGKONG_API_*`, `FENGKONG_DB_POOL_*`, `FENGKONG_DB_STATEMENT_TIMEOUT_MS` and
    `FENGKONG_RATE_LIMIT_*`."""

    model_config = SettingsConfigDict(env_prefix="FENGKONG_", extra="ignore")

    # ---- the HTTP edge: body size, time, CORS, rate limits (`api.limits`, `api.ratelimit`) ----
    api_max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest request body; a larger one gets 413."
    )
    api_max_upload_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1024,
        description="Largest body of a route that takes a file (the list import's CSV).",
    )
    api_request_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="A request still unanswered after this long gets 504 (a sync handler in the "
        "thread pool runs on to its end; on PostgreSQL `db_statement_timeout_ms` bounds it).",
    )
    # ---- admission control of each worker (`api.admission`; docs/operations-serving.md) ----
    api_max_in_flight: int = Field(
        default=12,
        ge=1,
        le=1000,
        description="Requests each worker serves at once; more wait for a turn.",
    )
    api_max_waiting: int = Field(
        default=128,
        ge=0,
        le=100_000,
        description="Requests each worker lets wait for a turn; one more is answered 503.",
    )
    api_max_wait_ms: int = Field(
        default=500,
        ge=1,
        le=3_600_000,
        description="How long a request may wait for a turn before it is answered 503, ms.",
    )
    db_statement_timeout_ms: int = Field(
        default=0,
        ge=0,
        description="PostgreSQL `statement_timeout` of every connection, ms; 0: none.",
    )
    # ---- the PostgreSQL connection pool of each process (docs/operations-serving.md sizing) ----
    db_pool_size: int = Field(
        default=12,
        ge=1,
        le=1000,
        description="Connections each process keeps open (PostgreSQL); at least the requests a "
        "worker serves at once (`api_max_in_flight`), so none waits for one or opens its own.",
    )
    db_pool_max_overflow: int = Field(
        default=8,
        ge=0,
        le=1000,
        description="Connections opened beyond the pool size under a burst, closed when returned.",
    )
    db_pool_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="How long a unit of work waits for a free connection before it fails.",
    )
    db_pool_pre_ping: bool = Field(
        default=False,
        description="Test each connection before use: a round trip per unit of work, so off; "
        "on where a proxy or firewall drops idle connections sooner than the recycle age.",
    )
    db_pool_recycle_seconds: int = Field(
        default=1800,
        ge=0,
        le=86400,
        description="Replace a connection older than this, s; 0: never.",
    )
    api_cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins a browser may call the API from; empty (the default): none.",
    )
    rate_limit_enabled: bool = Field(default=True, description="Refuse too many requests (429).")
    rate_limit_per_credential: str = Field(
        default="1200/minute",
        description="Requests one presented credential (API key or bearer token) may make; "
        "`limits` notation, several separated by `;`.",
    )
    rate_limit_per_address: str = Field(
        default="6000/minute",
        description="Requests one source address may make; behind a proxy every client has the "
        "proxy's address unless `rate_limit_trust_forwarded_for` is set.",
    )
    rate_limit_trust_forwarded_for: bool = Field(
        default=False,
        description="Take the source address from X-Forwarded-For (only behind a proxy that "
        "sets it).",
    )
    rate_limit_storage_url: str | None = Field(
        default=None,
        description="`limits` storage URI; default: `redis_url` when set, else memory (per "
        "worker).",
    )

    @field_validator("rate_limit_per_credential", "rate_limit_per_address")
    @classmethod
    def _rate_limits_parse(cls, value: str) -> str:
        # `limits` notation, checked here without importing it (the CLI starts light).
        parts = [p for p in re.split(r"[;,]", value) if p.strip()]
        if not parts or not all(_RATE.fullmatch(p.strip()) for p in parts):
            raise ValueError(f"not a rate limit such as 100/minute: {value!r}")
        return value

    @field_validator("api_cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "*" and not origin.startswith(("http://", "https://")):
                raise ValueError(f"an origin is scheme://host[:port]: {origin!r}")
        return value
