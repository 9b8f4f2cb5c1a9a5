"""The partition runner on Spark: the partitions become one RDD slice each, the function runs on
them with `mapPartitions` (a partition may be rows, loan records or a frame: any picklable value),
and the results come back in partition order. A table of rows (batch scoring's chunks) goes
through `mapInPandas` instead (`map_frame`): a Spark DataFrame cut into partitions, each turned
back into pandas on the executors, the results put back in the rows' order. The session is the
configured one (spark-submit, spark-defaults.conf), or a local one (`local[*]`) when none is
configured."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from shutil import which
from typing import TYPE_CHECKING, Any, TypeVar

from fengkong.core.errors import Unavailable
from fengkong.core.partitions import bounds

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import SparkSession

P = TypeVar("P")
R = TypeVar("R")
APP_NAME = "fengkong-batch"
ROW = "__fengkong_row__"  # each row's position, carried through mapInPandas to restore the order
# PySpark 4.3 warns of pandas 3 as not fully supported; the conversions used here (numbers,
# text, missing values through Arrow) are the ones the tests check give the frame back unchanged.
PANDAS_WARNING = "PySpark does not yet fully support pandas"


def _run_indexed(
    fn: Callable[[Any], Any], items: Iterable[tuple[int, Any]]
) -> Iterator[tuple[int, Any]]:
    for index, partition in items:
        yield index, fn(partition)


def _frames_through(
    fn: Callable[[pd.DataFrame], pd.DataFrame], frames: Iterable[pd.DataFrame]
) -> Iterator[pd.DataFrame]:
    for frame in frames:
        yield fn(frame)


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

    def map_frame(
        self, fn: Callable[[pd.DataFrame], pd.DataFrame], frame: pd.DataFrame, partitions: int
    ) -> pd.DataFrame:
        """`fn` over `frame` with `mapInPandas` on `partitions` Spark partitions, the result in
        `frame`'s row order and with its index. `fn` adds columns and keeps the others; the
        added columns' types are read from `fn` run here on the first row. A frame Arrow cannot
        type (a column of mixed types) goes through `map` over slices instead, pickled."""
        import numpy as np
        import pandas as pd
        from pyspark.errors import PySparkException
        from pyspark.sql.types import StructType

        numbered = frame.assign(**{ROW: np.arange(len(frame), dtype=np.int64)})
        sample = fn(numbered.head(1).copy())
        added = [c for c in sample.columns if c not in numbered.columns]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", PANDAS_WARNING, FutureWarning)
            # a frame Arrow refuses is sent as slices below; Spark's note of it adds nothing
            warnings.filterwarnings("ignore", "createDataFrame attempted Arrow", UserWarning)
            try:
                rows = self.session.createDataFrame(numbered)
                schema = StructType(
                    [*rows.schema.fields, *self.session.createDataFrame(sample[added]).schema]
                )
            except (TypeError, ValueError, PySparkException):
                cuts = bounds(len(frame), partitions)
                return pd.concat(self.map(fn, [frame.iloc[a:b] for a, b in cuts]))
            found = (
                rows.repartition(partitions)
                .mapInPandas(partial(_frames_through, fn), schema)
                .toPandas()
            )
        result = pd.DataFrame(found).sort_values(ROW, kind="stable").drop(columns=ROW)
        result.index = frame.index
        return result


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
    # Rows cross into Spark through Arrow or not at all: Spark's own fallback would type a
    # column Arrow refuses by guessing, and the scores must be those of the rows as read.
    builder = (
        SparkSession.builder.appName(APP_NAME)
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.execution.arrow.pyspark.fallback.enabled", "false")
        # the command draws its own progress bar on stderr
        .config("spark.ui.showConsoleProgress", "false")
    )
    if master is not None:
        builder = builder.master(master)
    if master is None or master.startswith("local"):
        # A local session's Python workers are this interpreter, with this code and its
        # packages on its path. PySpark reads the workers' interpreter from the environment
        # (its default, `python3`, may lack them); a value set by the operator is kept.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = builder.config("spark.ui.enabled", "false")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", PANDAS_WARNING, FutureWarning)
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
