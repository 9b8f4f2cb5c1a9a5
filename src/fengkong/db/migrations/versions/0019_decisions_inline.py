"""a decision's row kept whole in its page on PostgreSQL, its documents compressed with lz4

Revision ID: 0019_decisions_inline
Revises: 0016_decision_documents_json
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0019_decisions_inline"
down_revision = "0016_decision_documents_json"
branch_labels = None
depends_on = None

# A decision's six documents come to about 12 kB of JSON. Past 2 kB a row is compressed with
# pglz and, still too long, its documents moved one by one into the TOAST table: several chunk
# rows and index entries per decision, written in the decision's transaction. Compressed with
# lz4 (cheaper than pglz) and allowed up to a page (`toast_tuple_target`), a row stays in the
# heap: a single-row insert is measurably cheaper (docs/notes/performance-history.md), for
# about a third more disk per decision, since a ~6 kB row fills a page alone. Rows written before keep their storage until rewritten.
_DOCUMENTS = ("reasons", "inputs", "features", "offer", "trace", "facts")
_PAGE = 8160  # the largest toast_tuple_target PostgreSQL accepts with 8 kB pages


def _lz4_supported() -> bool:
    return bool(
        op.get_bind()
        .exec_driver_sql(
            "select 'lz4' = any(enumvals) from pg_settings where name = 'default_toast_compression'"
        )
        .scalar()
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"alter table decisions set (toast_tuple_target = {_PAGE})")
    if _lz4_supported():  # a server built without lz4 keeps pglz
        op.execute(
            "alter table decisions "
            + ", ".join(f"alter column {c} set compression lz4" for c in _DOCUMENTS)
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("alter table decisions reset (toast_tuple_target)")
    op.execute(
        "alter table decisions "
        + ", ".join(f"alter column {c} set compression default" for c in _DOCUMENTS)
    )
