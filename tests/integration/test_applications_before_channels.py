"""Applications stored before sales channels were kept (migration 0027) keep none once the
database is upgraded: their channel is unknown (null), shown as such and matched by no channel
filter. Their decisions, whose input snapshot has no channel, replay as before. On SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from factories import body
from fakes.api import api_client
from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.decision.replay import replay_all
from fengkong.decision.service import submit_application

BEFORE = "0023_request_id"  # the applications table's revision before channels


def test_rows_stored_before_are_backfilled_with_null(database_url: str) -> None:
    db = Database(database_url)
    try:
        upgrade(db, BEFORE)
        with db.engine.begin() as conn:  # the columns of revision `BEFORE` only
            conn.execute(
                sa.text(
                    "insert into applications (id, received_at, product, amount_fen,"
                    " term_months, purpose, monthly_income_fen, name_enc, id_number_enc,"
                    " id_number_bidx, phone_enc, phone_bidx, profile) values ('app_old', :at,"
                    " 'cash_loan', 500000, 12, 'repairs', 800000, 'n', 'i', 'ib', 'p', 'pb', '{}')"
                ),
                {"at": datetime(2026, 3, 2, 9, 30, tzinfo=UTC)},
            )
        upgrade(db)
        with db.engine.connect() as conn:
            row = conn.execute(
                sa.text("select channel, channel_partner from applications where id = 'app_old'")
            ).one()
        assert tuple(row) == (None, None)
    finally:
        db.dispose()


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


def _as_stored_before(context: Context, application_id: str) -> None:
    """What the code before channels stored: no channel on the row, none in the snapshot."""
    with context.db.engine.begin() as conn:
        conn.execute(
            sa.text("update applications set channel = null where id = :a"), {"a": application_id}
        )
        stored = conn.execute(
            sa.text("select inputs from decisions where application_id = :a"),
            {"a": application_id},
        ).scalar_one()
        inputs = stored if isinstance(stored, dict) else json.loads(stored)
        del inputs["channel"]
        conn.execute(
            sa.text("update decisions set inputs = :i where application_id = :a"),
            {"i": json.dumps(inputs), "a": application_id},
        )


def test_decisions_stored_before_replay_and_list_as_unknown(
    context: Context, client: TestClient
) -> None:
    as_of = context.clock.business_date()
    old = submit_application(
        ApplicationIn.model_validate(body()).to_request(as_of), context.decisions
    )
    _as_stored_before(context, old.application_id)
    new = submit_application(
        ApplicationIn.model_validate(body(channel={"source": "app"})).to_request(as_of),
        context.decisions,
    )
    with context.uow() as uow:
        results = list(replay_all(uow, context.artifacts_dir, [old.id, new.id]))
    assert [(r.decision_id, r.differences) for r in results] == [(old.id, ()), (new.id, ())]

    listed = client.get("/v1/applications").json()["items"]
    assert {i["id"]: i["channel"] for i in listed} == {
        old.application_id: None,
        new.application_id: "app",
    }
    assert client.get(f"/v1/applications/{old.application_id}").json()["channel"] is None
    for channel in ("api", "app,api,web,branch,mini_program,partner"):
        found = client.get("/v1/decisions", params={"channel": channel}).json()["items"]
        assert old.id not in {d["id"] for d in found}
