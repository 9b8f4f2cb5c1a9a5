"""On PostgreSQL a decision's row, documents and all, is stored in the table's own page (migration
0019): none of it goes to the TOAST table, and its long documents are compressed with lz4. The
downgrade restores PostgreSQL's defaults."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from factories import body
from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context
from fengkong.db.migrate import alembic_config
from fengkong.decision.service import submit_application

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_decision_is_stored_whole_in_its_page(context: Context) -> None:
    for _ in range(3):
        request = ApplicationIn.model_validate(body()).to_request(context.clock.business_date())
        submit_application(request, context.decisions)
    with context.db.engine.connect() as conn:
        toast_bytes = conn.execute(
            sa.text(
                "select pg_relation_size(reltoastrelid) from pg_class where oid = 'decisions'::regclass"
            )
        ).scalar_one()
        methods = (
            conn.execute(
                sa.text(
                    "select distinct pg_column_compression(facts) from decisions"
                    " where pg_column_compression(facts) is not null"
                )
            )
            .scalars()
            .all()
        )
    assert toast_bytes == 0
    assert methods == ["lz4"]

    config = alembic_config(context.db)
    with context.db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0016_decision_documents_json")
    with context.db.engine.connect() as conn:
        options = conn.execute(
            sa.text("select reloptions from pg_class where oid = 'decisions'::regclass")
        ).scalar_one()
        compression = conn.execute(
            sa.text(
                "select distinct attcompression from pg_attribute"
                " where attrelid = 'decisions'::regclass and attname = 'facts'"
            )
        ).scalar_one()
    assert options is None
    assert compression == ""
