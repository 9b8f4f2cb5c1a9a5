"""A decision that a failed step-up check turns into a decline flags the application on the
identity-link graph, as a decline made at once does (`decision.declines`), on SQLite and
PostgreSQL. Before, only the first answer's decline was flagged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from factories import body
from fakes.api import api_client
from fengkong.bootstrap import Context


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


def _declined_on_graph(context: Context, application_id: str) -> bool | None:
    with context.db.engine.connect() as conn:
        flag = conn.execute(
            sa.text("select declined from link_applications where application_id = :a"),
            {"a": application_id},
        ).scalar_one_or_none()
    return None if flag is None else bool(flag)


def test_a_failed_step_up_declines_and_flags_the_graph(
    client: TestClient, context: Context
) -> None:
    decisions = [client.post("/v1/applications", json=body()).json() for _ in range(5)]
    waiting = decisions[-1]
    assert waiting["outcome"] == "verify", waiting
    assert _declined_on_graph(context, waiting["application_id"]) is False

    done = client.post(
        f"/v1/applications/{waiting['application_id']}/step-up",
        json={"check": "liveness", "passed": False},
    ).json()

    assert done["outcome"] == "decline"
    assert _declined_on_graph(context, waiting["application_id"]) is True
