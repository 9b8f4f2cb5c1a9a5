"""Fixtures of the lifecycle tests: PostgreSQL schemas that live as long as a test module (a
simulated run is shared by the tests of its module, and `postgres_url` lasts one test), and the
small seeded run several modules compare themselves with, run once per session."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from conftest import PG_URL, require_postgres
from fengkong.sim.plan import RunPlan
from fengkong.sim.run import RunOutcome, simulate
from sim.lifecycle_runs import lifecycle_plan, sim_settings


@pytest.fixture(scope="module")
def postgres_schemas() -> Iterator[Callable[[], str]]:
    """Makes fresh schemas in the test database (as `postgres_url` does), each one's URL; all
    dropped when the module's tests are done. Required under CI=true, skipped elsewhere when
    PostgreSQL is unreachable (`require_postgres`)."""
    require_postgres()
    admin = sa.create_engine(PG_URL)
    made: list[str] = []
    sep = "&" if "?" in PG_URL else "?"

    def new_schema() -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with admin.begin() as conn:
            conn.execute(sa.text(f'create schema "{schema}"'))
        made.append(schema)
        return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"

    try:
        yield new_schema
    finally:
        with admin.begin() as conn:
            for schema in made:
                conn.execute(sa.text(f'drop schema "{schema}" cascade'))
        admin.dispose()


# Three months at five applicants a weekday: a few hundred applications, some loans and lines
# 30+ days past due by the end, and quick enough to be run again and again.
SMALL = lifecycle_plan(months=3, per_day=5)


@pytest.fixture(scope="session")
def small_plan() -> RunPlan:
    return SMALL


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> RunOutcome:
    """`SMALL` run on SQLite from its first day to its last without a stop."""
    home = tmp_path_factory.mktemp("small-run")
    return simulate(sim_settings(home / "home"), SMALL, home / "run")
