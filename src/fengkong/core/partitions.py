"""Work over partitions: a pure function run on each partition of the data, its results handed
back in partition order (`PartitionRunner`).

Batch scoring, the back-test and end of day's loan arithmetic cut their rows into partitions,
run one pure function on each, and merge the results in the driver; reading and writing stay in
the driver. The function is the same wherever it runs: in this process (`IN_PROCESS`, a plain
loop, the default) or on a cluster (`fengkong.distributed`: Dask, Spark), so the results are the
same to the fen. A function sent to a cluster must be picklable (a module-level function, or a
`functools.partial` of one) and must not read the clock, the database or anything else of the
driver's: whatever it needs travels with the partition or the partial.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

from fengkong.core.errors import FieldError, Invalid

if TYPE_CHECKING:
    import pandas as pd

P = TypeVar("P")
R = TypeVar("R")
T = TypeVar("T")


class PartitionRunner(Protocol):
    """Runs a pure function over partitions and returns its results in partition order."""

    @property
    def parallelism(self) -> int:
        """How many partitions it can run at once: the default number to cut work into."""
        ...

    def map(self, fn: Callable[[P], R], partitions: Sequence[P]) -> list[R]:
        """`[fn(p) for p in partitions]`, wherever it runs."""
        ...


@runtime_checkable
class FrameRunner(Protocol):
    """A runner with its own way of mapping a function over the rows of a pandas frame (Spark's
    `mapInPandas`), used instead of `map` over slices where the rows are a table."""

    def map_frame(
        self, fn: Callable[[pd.DataFrame], pd.DataFrame], frame: pd.DataFrame, partitions: int
    ) -> pd.DataFrame:
        """`fn` over `frame` cut into `partitions`, the results in `frame`'s row order and index."""
        ...


@dataclass(frozen=True, slots=True)
class InProcess:
    """The partitions one after another, in this process."""

    @property
    def parallelism(self) -> int:
        return 1

    def map(self, fn: Callable[[P], R], partitions: Sequence[P]) -> list[R]:
        return [fn(partition) for partition in partitions]


IN_PROCESS = InProcess()


def check_partitions(partitions: int | None) -> None:
    """Refuse a partition count below 1 (None: the runner's own parallelism)."""
    if partitions is not None and (isinstance(partitions, bool) or partitions < 1):
        raise Invalid(
            (
                FieldError(
                    ("partitions",),
                    f"partitions must be a whole number of at least 1 / 分区数至少为 1: "
                    f"{partitions!r}",
                ),
            )
        )


def partition_count(runner: PartitionRunner, partitions: int | None) -> int:
    """`partitions`, or the runner's parallelism when it is None."""
    check_partitions(partitions)
    return runner.parallelism if partitions is None else partitions


def bounds(length: int, parts: int) -> list[tuple[int, int]]:
    """[start, stop) of at most `parts` contiguous, non-empty slices covering `length` items,
    their sizes differing by at most one."""
    parts = max(1, min(parts, length))
    size, extra = divmod(length, parts)
    cuts: list[tuple[int, int]] = []
    start = 0
    for k in range(parts):
        stop = start + size + (k < extra)
        if stop > start:
            cuts.append((start, stop))
        start = stop
    return cuts


def split(items: Sequence[T], parts: int) -> list[Sequence[T]]:
    """`items` cut into at most `parts` contiguous, non-empty slices, in order."""
    return [items[start:stop] for start, stop in bounds(len(items), parts)]
