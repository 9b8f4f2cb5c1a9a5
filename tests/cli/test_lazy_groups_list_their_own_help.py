"""The command groups are imported only when they run, so the root's help lists them from the
help given at registration (`fengkong.cli.GROUPS`): that text must be each group's own, and each
group must load, under its name, with its commands."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from fengkong.cli import GROUPS, app


@pytest.mark.parametrize("name", list(GROUPS))
def test_a_group_listed_by_the_root_loads_with_the_help_listed(name: str) -> None:
    group = GROUPS[name].load(name)
    assert group.name == name
    assert group.help == GROUPS[name].help
    assert group.list_commands(typer.Context(group))  # type: ignore[attr-defined]


def test_the_root_help_lists_every_group_and_an_unknown_command_gets_suggestions() -> None:
    runner = CliRunner()
    listing = runner.invoke(app, ["--help"])
    assert listing.exit_code == 0
    # the panel wraps long lines between its borders: compare the text without them
    flat = "".join(listing.output.replace("│", " ").split())
    for name, entry in GROUPS.items():
        assert "".join(f"{name} {entry.help}".split()) in flat
    typo = runner.invoke(app, ["revew"])
    assert typo.exit_code == 2 and "review" in typo.output
