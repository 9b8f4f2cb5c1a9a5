"""Storage, on SQLite and on the real PostgreSQL: migrations, atomic writes, encrypted personal
data, and the model registry's hash check."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from factories import body
from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context, bootstrap
from fengkong.core.errors import IntegrityBroken, Unavailable
from fengkong.db.migrate import current_revisions, head_revisions, upgrade
from fengkong.decision.service import get_application, submit_application
from fengkong.onboarding.service import masked_applicant


def _submit(context: Context, **changes: object):  # type: ignore[no-untyped-def]
    request = ApplicationIn.model_validate(body(**changes)).to_request(
        context.clock.business_date()
    )
    return submit_application(request, context.decisions)


def test_migrations_reach_head_and_are_idempotent(context: Context) -> None:
    assert current_revisions(context.db) == head_revisions(context.db)
    upgrade(context.db)
    assert current_revisions(context.db) == head_revisions(context.db)


def test_application_and_decision_round_trip(context: Context) -> None:
    decision = _submit(context)
    view = get_application(decision.application_id, context.decisions)
    assert view.decision == decision
    assert view.application.amount == 500_000
    assert view.decision.decided_at == context.clock.now()
    assert masked_applicant(view.application, context.vault)[1].startswith("110")


def test_a_failed_decision_write_leaves_nothing(
    context: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fengkong.db import repositories

    def explode(self: object, d: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(repositories.SqlDecisionRepository, "add", explode)
    with pytest.raises(RuntimeError):
        _submit(context)
    with context.db.engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from applications")).scalar_one() == 0


def test_personal_data_is_not_stored_in_clear(context: Context) -> None:
    _submit(context)
    dump = []
    with context.db.engine.connect() as conn:
        for table in ("applications", "decisions", "model_versions"):
            for row in conn.execute(sa.text(f"select * from {table}")):
                dump.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    text = "\n".join(dump)
    for clear in ("110105199003071239", "13800138000", "张三", "19900307"):
        assert clear not in text
    assert "v1:" in text  # ciphertext tokens are there instead


def test_blind_index_finds_the_same_person(context: Context) -> None:
    _submit(context)
    _submit(context, applicant__id_number=" 110105199003071 239 ")
    bidx = context.vault.blind_index("id_number", "110105199003071239")
    with context.db.engine.connect() as conn:
        n = conn.execute(
            sa.text("select count(*) from applications where id_number_bidx = :b"), {"b": bidx}
        ).scalar_one()
    assert n == 2


def test_a_tampered_model_file_is_refused(context: Context) -> None:
    with context.uow() as uow:
        model = uow.models.champion("application")
    assert model is not None
    path = context.artifacts_dir / model.path
    path.write_bytes(path.read_bytes() + b" ")
    fresh = bootstrap(context.settings, clock=context.clock)
    try:
        with pytest.raises(IntegrityBroken):
            _submit(fresh)
    finally:
        fresh.close()


def test_no_champion_is_unavailable(settings, clock) -> None:  # type: ignore[no-untyped-def]
    ctx = bootstrap(settings, clock=clock)
    try:
        with pytest.raises(Unavailable, match="model train"):
            _submit(ctx)
    finally:
        ctx.close()
