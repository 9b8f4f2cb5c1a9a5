"""What Fengkong knows of each kind of document: how an exported file becomes the JSON document
a provider would have answered, and how a JSON document is checked and read into its typed form.

Each kind's module (`sources.bureau`, `sources.statements`, …) declares one `KindHandler`; the
recorded answers are JSON, so a decision replays from them with the same `read` it used."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from fengkong.sources.connector import Subject
from fengkong.sources.kinds import SourceKind

__all__ = ["KindHandler"]

D = TypeVar("D")


@dataclass(frozen=True, slots=True)
class KindHandler(Generic[D]):
    kind: SourceKind
    # An exported file's bytes and its name (the suffix picks CSV, XLSX or JSON) → the JSON
    # document; raises `core.errors.Invalid` naming the rows or fields that are wrong, so that
    # nothing of a bad file is imported.
    read_file: Callable[[bytes, str], Mapping[str, Any]]
    # A JSON document about `subject` as of a date → the typed document; raises
    # `core.errors.Invalid` when it is not one (malformed, about another person, another
    # currency, overlapping periods…).
    read: Callable[[Mapping[str, Any], Subject, date], D]
