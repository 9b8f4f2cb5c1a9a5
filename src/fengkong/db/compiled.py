"""A SQLAlchemy statement compiled once per dialect, to be sent to the driver as text.

The hot paths (`write_behind`, `driver_reads`) skip SQLAlchemy's execution machinery but keep
its SQL and its types: every parameter passes through its bind processor and every selected
column through its result processor, so what is stored and read back is what SQLAlchemy would
store and read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

__all__ = ["CompiledStatement", "compiled"]

Processor = Callable[[Any], Any] | None
Compilable = sa.Insert | sa.Update | sa.Select[Any] | sa.CompoundSelect[Any]


@dataclass(frozen=True, slots=True)
class CompiledStatement:
    sql: str
    names: tuple[str, ...]  # the parameters in the order a positional driver wants them
    processors: tuple[Processor, ...]
    fixed: Mapping[str, Any]  # values the statement carries itself (`id == 1`)
    positional: bool
    columns: tuple[str, ...] = ()  # what a select returns, by name
    results: tuple[Processor, ...] = ()

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        given = {**self.fixed, **values}
        bound = [
            given[n] if p is None else p(given[n])
            for n, p in zip(self.names, self.processors, strict=True)
        ]
        return bound if self.positional else dict(zip(self.names, bound, strict=True))

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        """One row as the driver returned it, typed as SQLAlchemy would type it."""
        return tuple(
            v if p is None or v is None else p(v) for v, p in zip(raw, self.results, strict=True)
        )


@functools.lru_cache(maxsize=256)
def compiled(statement: Compilable, dialect: sa.Dialect) -> CompiledStatement:
    done = statement.compile(dialect=dialect)
    if done.post_compile_params:
        # Expanded by SQLAlchemy when it executes, which the driver does not do: spell a fixed
        # list as `col.in_([sa.literal(v), ...])`, one parameter per value.
        raise ValueError(f"an expanding IN cannot be sent as it is: {statement}")
    names = tuple(done.positiontup or done.binds)
    selected = (
        statement.selected_columns if isinstance(statement, sa.Select | sa.CompoundSelect) else None
    )
    return CompiledStatement(
        sql=str(done),
        names=names,
        processors=tuple(
            done.binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names
        ),
        fixed={n: done.binds[n].value for n in names if done.binds[n].value is not None},
        positional=bool(done.positional),
        columns=() if selected is None else tuple(selected.keys()),
        results=()
        if selected is None
        else tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in selected),
    )
