"""A lender's deployment for tests of real `fengkong serve` processes: one PostgreSQL database
(created for the module from the migrated template), one Redis (a private `redis-server` when
the binary is installed, else the machine's), one home (the vault key file, the audit signing
key and the model artifacts every replica reads: in production a shared volume), a champion
scorecard trained on the German credit data under the demo policy, and API keys: a channel's,
an auditor's and three officers'. Servers run as the lender runs them: `FENGKONG_ENV=production`,
the system clock, rate limits on (counted in the shared Redis), JSON logs."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import PG_URL
from factories import make_champion
from fengkong.access.keys import issue_key
from fengkong.bootstrap import bootstrap
from fengkong.core.actor import Actor, Role
from fengkong.core.settings import Settings
from fengkong.onboarding.vault import generate_keyring
from fengkong.scoring.train import TrainedScorecard
from fraud.conftest import REDIS_URL, require_redis
from redis_servers import private_redis_server
from serving.servers import Deployment, start_server, stop, wait_until_up

POLICY = Path(str(resources.files("fengkong.decision").joinpath("policies", "demo-german.yaml")))
OFFICERS = ("officer-1", "officer-2", "officer-3")


@pytest.fixture(scope="module")
def shared_redis() -> Iterator[str]:
    """A Redis only this module's servers use: a private `redis-server` on a free port, or, where
    none is installed, the machine's (skipped when unreachable, required under CI)."""
    binary = shutil.which("redis-server")
    if binary is None:
        require_redis()
        yield REDIS_URL
        return
    with private_redis_server(binary) as server:
        yield server.url


@pytest.fixture(scope="module")
def shared_database(postgres_template: str) -> Iterator[str]:
    """A PostgreSQL database of the module's own, at the migrations' heads."""
    name = f"srv_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}" template "{postgres_template}"'))
    try:
        yield sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


@pytest.fixture(scope="module")
def deployment(
    shared_database: str,
    shared_redis: str,
    tmp_path_factory: pytest.TempPathFactory,
    trained: TrainedScorecard,
) -> Iterator[Deployment]:
    """The lender's shared pieces, seeded as its operator would: the key ring written, the
    champion promoted, the keys issued (in the database every replica reads)."""
    home = tmp_path_factory.mktemp("lender") / "home"
    home.mkdir()
    keys = home / "keys.json"
    keys.write_text(json.dumps(generate_keyring().to_mapping()), encoding="utf-8")
    keys.chmod(0o600)
    env = {
        "FENGKONG_ENV": "production",
        "FENGKONG_HOME": str(home),
        "FENGKONG_DATABASE_URL": shared_database,
        "FENGKONG_REDIS_URL": shared_redis,
        "FENGKONG_VAULT_KEY_FILE": str(keys),
        "FENGKONG_POLICY_FILE": str(POLICY),
        "FENGKONG_LOG_FORMAT": "json",
        "FENGKONG_LOG_LEVEL": "WARNING",
        # Every request gets its turn however loaded the machine running the tests is: these
        # tests are about what replicas answer; shedding has its own (api/test_admission_…).
        "FENGKONG_API_MAX_WAIT_MS": "120000",
        "FENGKONG_API_MAX_WAITING": "100000",
    }
    settings = Settings(
        env="production",
        home=home,
        database_url=shared_database,
        redis_url=shared_redis,
        vault_key_file=keys,
        policy_file=POLICY,
    )
    ctx = bootstrap(settings)
    admin = Actor(name="operator", kind="system", roles=frozenset({Role.ADMIN}))
    try:
        with ctx.uow() as uow:
            make_champion(uow, ctx.artifacts_dir, trained, ctx.clock)
            uow.commit()
        deployment = Deployment(
            database_url=shared_database,
            redis_url=shared_redis,
            home=home,
            env=env,
            channel_key=issue_key(ctx.access, admin, name="app-gateway", channel="app").secret,
            auditor_key=issue_key(
                ctx.access, admin, name="auditor", roles=frozenset({Role.AUDITOR})
            ).secret,
            officer_keys={
                name: issue_key(
                    ctx.access, admin, name=name, roles=frozenset({Role.OFFICER})
                ).secret
                for name in OFFICERS
            },
            context=ctx,
        )
        yield deployment
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def replicas(
    deployment: Deployment, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[str]]:
    """Two `fengkong serve` processes, each on its own port, on the deployment's one database and
    one Redis: the base URLs of both."""
    where = tmp_path_factory.mktemp("replicas")
    servers = [start_server(deployment, where) for _ in range(2)]
    try:
        for server in servers:
            wait_until_up(server)
        yield [s.url for s in servers]
    finally:
        for server in servers:
            stop(server)
