from __future__ import annotations

from alembic import context

from fengkong.db.tables import load_all_tables

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `fengkong db upgrade`, which passes a connection")

context.configure(
    connection=connection,
    target_metadata=load_all_tables(),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
