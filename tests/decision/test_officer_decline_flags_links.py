"""An officer's decline of a referral flags the application on the identity-link graph exactly as
an automatic decline does, on every link backend: the graph in the books' database (SQLite,
PostgreSQL), where the flag commits with the officer's decision, and Redis, told after the commit.

Before, only the policy's own declines were flagged: an application an officer declined for
suspected fraud counted for nothing among its neighbours' bad neighbours."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factories import body, make_champion
from fakes.access import bearer
from fakes.api import api_client
from fengkong.bootstrap import Context, bootstrap
from fengkong.cli import app as cli
from fengkong.core.clock import SystemClock
from fengkong.core.settings import load_settings
from fengkong.db.redis_links import RedisIdentityLinks
from fengkong.db.redis_velocity import redis_client
from fengkong.scoring.train import TrainedScorecard
from fengkong.sim.identity import identity
from fraud.conftest import REDIS_URL, require_redis

DEVICE = "dev-ring-7"
runner = CliRunner()


@pytest.fixture(params=["books", pytest.param("redis", marks=pytest.mark.redis)])
def ctx(request: pytest.FixtureRequest, context: Context) -> Iterator[Context]:
    """The test's context with the link graph in its own database ("books") or in Redis (a
    prefix of the test's own, its keys deleted afterwards)."""
    if request.param == "books":
        yield context
        return
    require_redis()
    assert context.fraud is not None
    prefix = f"fktest:{random.getrandbits(48):012x}:"
    client = redis_client(REDIS_URL, timeout=5.0)
    links = RedisIdentityLinks(client, context.clock, prefix=prefix)
    yield Context(
        settings=context.settings,
        db=context.db,
        clock=context.clock,
        vault=context.vault,
        policy=context.policy,
        champion=context.champion,
        fraud=replace(context.fraud, links=links, links_in_books=False),
    )
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    with api_client(ctx) as c:
        yield c


def _application(ctx: Context, seed: int, **changes: Any) -> dict[str, Any]:
    p = identity(35, ctx.clock.business_date(), random.Random(seed))
    person = {"name": p.name, "id_number": p.id_number, "phone": p.phone}
    return body(applicant=person, channel={"device_id": DEVICE}, **changes)


def _referred(client: TestClient, ctx: Context) -> tuple[str, str]:
    """An application the policy refers (it lacks the applicant's other debts), and its item."""
    payload = {k: v for k, v in _application(ctx, 1).items() if k != "existing_monthly_debt"}
    decision = client.post("/v1/applications", json=payload).json()
    assert decision["outcome"] == "refer", decision
    items = client.get("/v1/review/items", params={"status": "open"}).json()
    (item,) = [i for i in items if i["application_id"] == decision["application_id"]]
    return decision["application_id"], item["id"]


def _bad_neighbours_of_next(client: TestClient, ctx: Context) -> int:
    """A new applicant on the same device: how many declined neighbours its links count."""
    decided = client.post("/v1/applications", json=_application(ctx, 2))
    assert decided.status_code == 201, decided.text
    with ctx.uow() as uow:
        record = uow.decisions.for_application(decided.json()["application_id"])
    assert record is not None
    bad: int = record.features["link.bad_neighbours"]
    return bad


def _decline_over_http(client: TestClient, item: str) -> None:
    officer = bearer("fks_officer")
    assert client.post(f"/v1/review/items/{item}/claim", headers=officer).status_code == 200
    declined = client.post(
        f"/v1/review/items/{item}/decline",
        headers=officer,
        json={"comment": "device seen in a ring", "reason_code": "REV_FRAUD_SUSPECTED"},
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["officer_decision"]["outcome"] == "decline"


def test_an_officers_decline_counts_as_a_bad_neighbour(client: TestClient, ctx: Context) -> None:
    _, item = _referred(client, ctx)

    _decline_over_http(client, item)

    assert _bad_neighbours_of_next(client, ctx) == 1


def test_a_referral_not_declined_counts_for_nothing(client: TestClient, ctx: Context) -> None:
    _referred(client, ctx)

    assert _bad_neighbours_of_next(client, ctx) == 0


@pytest.mark.redis
def test_a_decline_the_redis_graph_never_took_is_still_answered(context: Context) -> None:
    """The link store was down when the application came (so it was referred): the officer's
    decline stands, and the graph lacks the flag it could not take."""
    require_redis()
    assert context.fraud is not None
    prefix = f"fktest:{random.getrandbits(48):012x}:"
    redis = redis_client(REDIS_URL, timeout=5.0)
    links = RedisIdentityLinks(redis, context.clock, prefix=prefix)
    fraud = replace(context.fraud, links=links, links_in_books=False)
    ctx = Context(
        settings=context.settings,
        db=context.db,
        clock=context.clock,
        vault=context.vault,
        policy=context.policy,
        champion=context.champion,
        fraud=fraud,
    )
    try:
        with api_client(ctx) as client:
            application_id, item = _referred(client, ctx)
            redis.hdel(f"{prefix}lk:apps", application_id)  # as if never linked

            _decline_over_http(client, item)
    finally:
        keys = list(redis.scan_iter(match=prefix + "*", count=1000))
        if keys:
            redis.delete(*keys)
        redis.close()


@pytest.fixture
def deployment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str, trained: TrainedScorecard
) -> Iterator[Context]:
    """What `fengkong …` runs on (SQLite or PostgreSQL, the graph in the books, the wall clock):
    the demo policy and a champion scorecard."""
    policy = resources.files("fengkong.decision").joinpath("policies", "demo-german.yaml")
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", database_url)
    monkeypatch.setenv("FENGKONG_POLICY_FILE", str(policy))
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("FENGKONG_REDIS_URL", raising=False)
    ctx = bootstrap(load_settings(), clock=SystemClock())
    with ctx.uow() as uow:
        make_champion(uow, ctx.artifacts_dir, trained, ctx.clock)
        uow.commit()
    yield ctx
    ctx.close()


def _cli(*args: str) -> Any:
    done = runner.invoke(cli, [*args, "--json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def test_an_officers_decline_from_the_command_line_counts_too(
    deployment: Context, tmp_path: Path, staff_login: Callable[[str], None]
) -> None:
    referral = tmp_path / "referral.json"
    payload = _application(deployment, 1)
    del payload["existing_monthly_debt"]
    referral.write_text(json.dumps(payload))
    staff_login("fks_all")  # applying as staff in the app's place, then reviewing as wang
    decision = _cli("apply", str(referral))
    assert decision["outcome"] == "refer", decision
    staff_login("fks_as_wang")
    (item,) = [
        i for i in _cli("review", "list") if i["application_id"] == decision["application_id"]
    ]
    _cli("review", "claim", item["id"])

    declined = _cli(
        "review", "decline", item["id"], "--comment", "device seen in a ring",
        "--reason", "REV_FRAUD_SUSPECTED",
    )  # fmt: skip
    assert declined["officer_decision"]["outcome"] == "decline"

    neighbour = tmp_path / "neighbour.json"
    neighbour.write_text(json.dumps(_application(deployment, 2)))
    staff_login("fks_all")
    decided = _cli("apply", str(neighbour))
    with deployment.uow() as uow:
        record = uow.decisions.for_application(decided["application_id"])
    assert record is not None
    assert record.features["link.bad_neighbours"] == 1
