"""Features computed from a typed external document (a bureau report, a bank statement, financial
statements…): one function per family, the same for one applicant online and for a file of them
in batch, with each feature's labels and the reason texts an adverse value gives."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

if TYPE_CHECKING:
    import polars as pl

__all__ = ["DocumentFeature", "DocumentFeatures", "FeatureValue"]

D = TypeVar("D")
FeatureValue = float | str | bool | None


@dataclass(frozen=True, slots=True)
class DocumentFeature:
    name: str  # as the policy reads it, e.g. "bureau.utilisation"
    kind: Literal["numerical", "categorical", "flag"]
    label_en: str
    label_zh: str
    # The reason an applicant is told when this feature weighs against them, in both languages.
    reason_en: str
    reason_zh: str


@dataclass(frozen=True, slots=True)
class DocumentFeatures(Generic[D]):
    """A family: its features and the one function computing all of them from a document as of
    a date. `compute_batch` is that function over many documents, never a second definition."""

    name: str
    version: str
    features: tuple[DocumentFeature, ...]
    compute: Callable[[D, date], Mapping[str, FeatureValue]]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features)

    def by_name(self, name: str) -> DocumentFeature:
        return next(f for f in self.features if f.name == name)

    def compute_online(self, document: D, as_of: date) -> dict[str, FeatureValue]:
        values = self.compute(document, as_of)
        return {name: values[name] for name in self.names}

    def compute_batch(self, rows: Iterable[tuple[D, date]]) -> pl.DataFrame:
        import polars as pl

        records: list[dict[str, Any]] = [self.compute_online(d, as_of) for d, as_of in rows]
        schema = {
            f.name: pl.String
            if f.kind == "categorical"
            else pl.Boolean
            if f.kind == "flag"
            else pl.Float64
            for f in self.features
        }
        return pl.DataFrame(records, schema=schema, orient="row")
