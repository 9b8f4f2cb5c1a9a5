"""A feature is one Polars expression over application columns: it computes the feature for
millions of rows in batch, and for one application online (a one-row frame).

Features declared with the builders below (`number`, `category`, `whole_years`) are still one
declaration each, but the builder gives them the same computation in plain Python as well
(`online`): a Polars query hands each application to its thread pool, a cost every decision
pays, and more when the pool has gone to sleep on a busy machine. When every feature
of a set has it, the online path uses it; tests hold each builder's two forms equal, row for row,
on real and generated applications."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import polars as pl

Schema = Mapping[str, "pl.DataType | type[pl.DataType]"]


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    kind: Literal["numerical", "categorical"]
    # The Polars expression, or how to build it: the builders below defer it, so a feature set
    # used only online (the decision service) never loads Polars.
    definition: pl.Expr | Callable[[], pl.Expr]
    label_en: str
    label_zh: str
    online: Callable[[Mapping[str, Any]], Any] | None = None  # `expr` for one record

    @property
    def expr(self) -> pl.Expr:
        import polars as pl

        d = self.definition
        return d if isinstance(d, pl.Expr) else d()


@dataclass(frozen=True, slots=True)
class FeatureSet:
    name: str
    version: str
    features: tuple[Feature, ...]
    input_schema: Schema | Callable[[], Schema]  # a mapping, or how to build it (as `expr`)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features)

    @property
    def categorical(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features if f.kind == "categorical")

    @property
    def schema(self) -> dict[str, pl.DataType | type[pl.DataType]]:
        s = self.input_schema
        return dict(s() if callable(s) else s)

    def by_name(self, name: str) -> Feature:
        return next(f for f in self.features if f.name == name)

    def compute_batch(self, frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select([f.expr.alias(f.name) for f in self.features])

    def compute_online(self, record: Mapping[str, Any]) -> dict[str, Any]:
        if all(f.online is not None for f in self.features):
            return {f.name: f.online(record) for f in self.features if f.online is not None}
        return self.compute_online_polars(record)

    def compute_online_polars(self, record: Mapping[str, Any]) -> dict[str, Any]:
        import polars as pl

        frame = pl.DataFrame([dict(record)], schema=self.schema)
        return self.compute_batch(frame).row(0, named=True)

    def frame(self, records: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
        import polars as pl

        return pl.DataFrame([dict(r) for r in records], schema=self.schema)


def number(name: str, source: str, label_en: str, label_zh: str, *, scale: int = 1) -> Feature:
    """`source` as a Float64, divided by `scale`. Online, the division is the one Polars does for
    one row by a literal (correctly rounded; over several rows Polars multiplies by the reciprocal
    instead, and 47 / 100 comes out 0.47000000000000003)."""

    def expr() -> pl.Expr:
        import polars as pl

        column = pl.col(source).cast(pl.Float64) if scale == 1 else (pl.col(source) / scale)
        return column.cast(pl.Float64)

    def online(record: Mapping[str, Any]) -> float | None:
        v = record.get(source)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise TypeError(f"{source} is a number, not {type(v).__name__}")
        return float(v / scale)

    return Feature(name, "numerical", expr, label_en, label_zh, online)


def category(name: str, source: str, label_en: str, label_zh: str) -> Feature:
    """`source` as a String, as Polars casts a cell to it."""

    def online(record: Mapping[str, Any]) -> str | None:
        v = record.get(source)
        return v if v is None or isinstance(v, str) else str(v)

    def expr() -> pl.Expr:
        import polars as pl

        return pl.col(source).cast(pl.String)

    return Feature(name, "categorical", expr, label_en, label_zh, online)


def whole_years(name: str, since: str, until: str, label_en: str, label_zh: str) -> Feature:
    """Whole years from the date `since` to the date `until` (an age on a day), as a Float64."""

    def expr() -> pl.Expr:
        import polars as pl

        start, end = pl.col(since), pl.col(until)
        not_yet = (end.dt.month() < start.dt.month()) | (
            (end.dt.month() == start.dt.month()) & (end.dt.day() < start.dt.day())
        )
        return (end.dt.year() - start.dt.year() - not_yet.cast(pl.Int32)).cast(pl.Float64)

    def online(record: Mapping[str, Any]) -> float | None:
        first: date | None = record.get(since)
        last: date | None = record.get(until)
        if first is None or last is None:
            return None
        return float(last.year - first.year - ((last.month, last.day) < (first.month, first.day)))

    return Feature(name, "numerical", expr, label_en, label_zh, online)
