"""Shared fixtures: databases (SQLite always; PostgreSQL when reachable, and required under CI),
a scorecard trained once per session, and a wired context with a fake clock."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from factories import make_champion
from fakes import MemoryStore, MemoryUnitOfWork
from fakes.access import FakeAuthenticator, NamedAuthenticator
from fakes.decisions import MemoryContext
from fengkong.bootstrap import Context, bootstrap
from fengkong.core.clock import FakeClock
from fengkong.core.settings import Settings
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.decision.bundle import ActivePolicy, read_shipped_bundle
from fengkong.demo import german_credit
from fengkong.scoring.train import TrainedScorecard, train_scorecard

# pytest-xdist's workers inherit COLUMNS=80 and LINES=24 from execnet, which would make every
# command's table under `make test` (-n 2) as narrow as a terminal's, unlike a single-process run
# and unlike a pipe; the CLI's consoles are made when it is first imported, after this.
for _name in ("COLUMNS", "LINES"):
    if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get(_name) in ("80", "24"):
        del os.environ[_name]

# Timing is never a test verdict here: shared machines are noisy, so no deadlines and no "too slow".
hypothesis_settings.register_profile(
    "fengkong", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# HYPOTHESIS_PROFILE=thorough runs many more cases, for a deeper look by hand.
hypothesis_settings.register_profile(
    "thorough", parent=hypothesis_settings.get_profile("fengkong"), max_examples=3000
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fengkong"))

PG_URL = os.environ.get(
    "FENGKONG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# The files that take minutes (simulated years, crashes at every stage, a served book in a
# browser): started first, so that the two workers' other files fill in around them rather
# than one worker finishing alone at the end.
SLOWEST_FIRST = (
    "tests/sim/test_lifecycle_twelve_months_baseline_and_downturn.py",
    "tests/integration/test_end_of_day_survives_sigkill.py",
    "tests/sim/",
    "tests/web/browser/",
    "tests/distributed/",
    "tests/serving/",
    "tests/decision/test_business_decisions_end_to_end.py",
    "tests/scoring/test_lab_validates_honestly.py",
    "tests/integration/test_list_import_survives_sigkill.py",
    "tests/test_no_clear_personal_data_anywhere.py",
    "tests/monitoring/test_rebuild_gives_what_end_of_day_wrote.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid
        return next(
            (k for k, prefix in enumerate(SLOWEST_FIRST) if path.startswith(prefix)),
            len(SLOWEST_FIRST),
        )

    items.sort(key=rank)  # stable: each file's tests keep their order


def _postgres_reachable() -> str | None:
    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means: not available here
        return str(exc).splitlines()[0]


def require_postgres() -> None:
    problem = _postgres_reachable()
    if problem is None:
        return
    message = f"PostgreSQL at {PG_URL} is unreachable ({problem})"
    if IN_CI:
        pytest.fail(message + ": CI=true requires it", pytrace=False)
    pytest.skip(message + ": start it, or set FENGKONG_TEST_POSTGRES_URL")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema in the test database, dropped afterwards."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'drop schema "{schema}" cascade'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_session_url() -> Iterator[str]:
    """A fresh schema in the test database kept for the whole session, dropped afterwards: for
    tests that migrate once and empty the tables between tests (`tests/contracts`)."""
    require_postgres()
    schema = f"s_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'drop schema "{schema}" cascade'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once per test process, copied for each test that needs one:
    running the migrations takes far longer than copying their result."""
    path = tmp_path_factory.mktemp("template") / "fengkong.db"
    database = Database(f"sqlite:///{path}")
    upgrade(database)
    database.dispose()
    return path


def _database_url(name: str) -> str:
    return sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A PostgreSQL database migrated once per test process, the template each test's database
    is created from (`CREATE DATABASE … TEMPLATE`, a file copy on the server)."""
    require_postgres()
    name = f"tpl_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}"'))
    database = Database(_database_url(name))
    upgrade(database)
    database.dispose()
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


@pytest.fixture
def migrated_postgres_url(postgres_template: str) -> Iterator[str]:
    """A fresh PostgreSQL database at the migrations' heads, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'create database "{name}" template "{postgres_template}"'))
    try:
        yield _database_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database of each kind, already at the migrations' heads (an empty one, for
    tests of the migrations themselves: `postgres_url`, or a new SQLite file)."""
    if request.param == "sqlite":
        path = tmp_path / "fengkong.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("migrated_postgres_url")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of each kind with nothing in it, for the tests of the migrations themselves."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fengkong.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """The test database, migrated."""
    database = Database(database_url)
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def memory_store() -> MemoryStore:
    """The committed tables of the in-memory unit of work (`tests/fakes`): the database's place
    for use-case tests that need the logic, not the storage."""
    return MemoryStore()


@pytest.fixture
def memory_uow(memory_store: MemoryStore) -> Callable[[], MemoryUnitOfWork]:
    """A new in-memory unit of work on the test's store at each call, as `SqlUnitOfWork(db)`."""
    return lambda: MemoryUnitOfWork(memory_store)


@pytest.fixture(scope="session")
def german() -> pd.DataFrame:
    return german_credit()


@pytest.fixture(scope="session")
def trained(german: pd.DataFrame) -> TrainedScorecard:
    return train_scorecard(german, "creditability", seed=0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(env="test", home=tmp_path / "home", database_url=database_url)


@pytest.fixture
def context(settings: Settings, clock: FakeClock, trained: TrainedScorecard) -> Iterator[Context]:
    # The demo's policy: its cut-offs fit the score scale of a scorecard trained on German credit.
    ctx = bootstrap(settings, clock=clock, policy=read_shipped_bundle("demo-german.yaml"))
    # The staff of `fakes.access.STAFF`: tests not about logging in skip password hashing.
    ctx.authenticator = FakeAuthenticator()
    with ctx.uow() as uow:
        make_champion(uow, ctx.artifacts_dir, trained, clock)
        uow.commit()
    yield ctx
    ctx.close()


@pytest.fixture
def staff_login(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """For commands run through the CLI (which build their own context): the staff of
    `fakes.access.STAFF` authenticate (and `fks_as_<name>`, `NamedAuthenticator`), and
    `staff_login(secret)` logs in as one of them."""
    monkeypatch.setattr(Context, "authenticator", property(lambda self: NamedAuthenticator()))
    monkeypatch.delenv("FENGKONG_API_KEY", raising=False)

    def login(secret: str) -> None:
        monkeypatch.setenv("FENGKONG_SESSION", secret)

    return login


@pytest.fixture
def memory_context(
    memory_store: MemoryStore, clock: FakeClock, trained: TrainedScorecard, tmp_path: Path
) -> MemoryContext:
    """`context` on the in-memory unit of work: the demo's policy, the trained scorecard
    registered and promoted (its artifact a file, as always), no database."""
    ctx = MemoryContext(
        memory_store, clock, ActivePolicy.of(read_shipped_bundle("demo-german.yaml")),
        tmp_path / "artifacts",
    )  # fmt: skip
    with ctx.uow() as uow:
        make_champion(uow, ctx.artifacts_dir, trained, clock)
        uow.commit()
    return ctx
