"""Commands registered by name: the root group lists each with its help and imports its module
only when that command runs or shows its own help, so `fengkong --help` and `fengkong apply` load
neither the database stack nor the data-science stack of commands they do not run.

The pattern is Click's lazily loaded subcommands (a group overriding `list_commands` and
`get_command`), with one addition: the root's own help lists the lazy commands from the help
text given at registration, without importing them."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
import typer.main
from typer import _click  # Typer vendors Click: these are the Command and Context it uses
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True, slots=True)
class LazyCommand:
    """Where a group of commands lives (`fengkong.cli.<module>.<attribute>`, a Typer app) and the
    help the root's listing shows for it; a test checks this help is the group's own."""

    module: str
    attribute: str
    help: str

    def load(self, name: str) -> _click.Command:
        target = getattr(importlib.import_module(f"fengkong.cli.{self.module}"), self.attribute)
        group = typer.main.get_group(target)
        group.name = name
        return group

    def placeholder(self, name: str) -> _click.Command:
        """What the root's help lists: the name and the help, nothing imported."""
        return TyperCommand(name=name, help=self.help)


class LazyGroup(TyperGroup):
    """A Typer group whose `lazy` commands are imported on first use. Subclasses set `lazy`,
    in the order the help lists them, after the commands registered eagerly."""

    lazy: ClassVar[Mapping[str, LazyCommand]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listing = False

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in self.lazy if n not in self.commands)]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        command = super().get_command(ctx, cmd_name)
        entry = self.lazy.get(cmd_name)
        if command is not None or entry is None:
            return command
        if self._listing:
            return entry.placeholder(cmd_name)
        command = entry.load(cmd_name)
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        with self._listing_only():
            super().format_help(ctx, formatter)

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        if not args or args[0] in self.commands or args[0] in self.lazy:
            return super().resolve_command(ctx, args)
        # An unknown command: Typer's "did you mean" looks among every command, lazy ones too.
        unloaded = [n for n in self.lazy if n not in self.commands]
        self.commands.update({n: self.lazy[n].placeholder(n) for n in unloaded})
        try:
            return super().resolve_command(ctx, args)
        finally:
            for name in unloaded:
                del self.commands[name]

    @contextmanager
    def _listing_only(self) -> Iterator[None]:
        self._listing = True
        try:
            yield
        finally:
            self._listing = False
