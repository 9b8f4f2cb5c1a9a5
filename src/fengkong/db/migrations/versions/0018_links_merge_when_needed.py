"""identity links: `link_application` relabels and deletes components only when it merges some

Revision ID: 0018_links_merge_when_needed
Revises: 0015_velocity_record
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0018_links_merge_when_needed"
down_revision = "0015_velocity_record"
branch_labels = None
depends_on = None

_PREVIOUS = "0013_links_speed"

# 0013's function ran the merge's two relabels and its delete in every call, as parts of the
# statement that writes the application. Most applications join at most one component and merge
# nothing, yet each part still opened its table and indexes and searched them: about a fifth of
# the function's time (docs/notes/performance-history.md). They now run only
# when the application's keys reach more than one component, as statements of their own before
# the statement (`_STATEMENT`) that no longer carries them (`_MERGE_PARTS`); the rest is unchanged.
_MERGE_PARTS = """  ), relabel_applications as (
    update link_applications set component_id = survivor
    where component_id = any(held) and component_id <> survivor
  ), relabel_keys as (
    update link_keys set component_id = survivor
    where component_id = any(held) and component_id <> survivor
  ), merged as (
    delete from link_components where component_id = any(held) and component_id <> survivor
"""
_STATEMENT = "  with application as (\n"
_MERGE_WHEN_NEEDED = """  if cardinality(held) > 1 then
    update link_applications set component_id = survivor
    where component_id = any(held) and component_id <> survivor;
    update link_keys set component_id = survivor
    where component_id = any(held) and component_id <> survivor;
    delete from link_components where component_id = any(held) and component_id <> survivor;
  end if;
"""


def _previous_definition() -> str:
    script = op.get_context().script
    assert script is not None
    text: str = script.get_revision(_PREVIOUS).module._LINK_APPLICATION
    return text.replace("create function", "create or replace function", 1)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        previous = _previous_definition()
        assert _MERGE_PARTS in previous and _STATEMENT in previous, "not 0013's function"
        merged_when_needed = previous.replace(_MERGE_PARTS, "", 1)
        op.execute(merged_when_needed.replace(_STATEMENT, _MERGE_WHEN_NEEDED + _STATEMENT, 1))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_previous_definition())
