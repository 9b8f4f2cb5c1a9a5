"""The partition runner on Spark: the partitions become one RDD slice each, the function runs on
them with `mapPartitions` (a partition may be rows, loan records or a frame: any picklable value),
and the results come back in partition order. The session is the configured one (spark-submit,
spark-defaults.conf), or a local one (`local[*]`) when none is configured."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from shutil import which
from typing import TYPE_CHECKING, Any, TypeVar

from fengkong.core.errors import Unavailable

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

P = TypeVar("P")
R = TypeVar("R")
APP_NAME = "fengkong-batch"


def _run_indexed(
    fn: Callable[[Any], Any], items: Iterable[tuple[int, Any]]
) -> Iterator[tuple[int, Any]]:
    for index, partition in items:
        yield index, fn(partition)


class SparkRunner:
    """`PartitionRunner` over a Spark session: one RDD slice per partition."""

    def __init__(self, session: SparkSession) -> None:
        self.session = session

    @property
    def parallelism(self) -> int:
        """Spark's default parallelism: the cores its executors offer."""
        return max(1, int(self.session.sparkContext.defaultParallelism))

    def map(self, fn: Callable[[P], R], partitions: Sequence[P]) -> list[R]:
        if not partitions:
            return []
        indexed = list(enumerate(partitions))
        rdd = self.session.sparkContext.parallelize(indexed, numSlices=len(indexed))
        found = rdd.mapPartitions(partial(_run_indexed, fn)).collect()
        # collect() keeps the slices' order; the index makes the order not depend on it
        return [result for _, result in sorted(found, key=lambda pair: pair[0])]


@contextmanager
def spark_runner(master: str | None = None) -> Iterator[SparkRunner]:
    """A `SparkRunner` on the session for `master` (default: the configured master, else
    `local[*]`), stopped after the run unless it was already running. `Unavailable` when no
    Java runtime is there for Spark to start on."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    running = SparkContext._active_spark_context is not None
    if not running and which("java") is None and not _java_home():
        raise Unavailable(
            "Spark needs a Java runtime (java on PATH or JAVA_HOME) / Spark 需要 Java"
        )
    builder = SparkSession.builder.appName(APP_NAME)
    if master is not None:
        builder = builder.master(master)
    if master is None or master.startswith("local"):
        # A local session's Python workers are this interpreter, with this code and its
        # packages on its path. PySpark reads the workers' interpreter from the environment
        # (its default, `python3`, may lack them); a value set by the operator is kept.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = builder.config("spark.ui.enabled", "false")
    session = builder.getOrCreate()
    if not running:
        session.sparkContext.setLogLevel("ERROR")
    try:
        yield SparkRunner(session)
    finally:
        if not running:
            session.stop()


def _java_home() -> bool:
    return bool(os.environ.get("JAVA_HOME"))
