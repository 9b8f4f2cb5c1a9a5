"""The options of the commands whose batch work runs over partitions (`fengkong score`,
`fengkong eod`, `fengkong policy backtest`): which engine runs it and how it is cut. The engines
(`fengkong.distributed`) are imported only once a command runs, so the CLI starts light."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from fengkong.core.partitions import PartitionRunner

EngineOpt = Annotated[
    str,
    typer.Option(
        "--engine",
        help="Where the work runs: local (this process), dask (a Dask cluster) or spark "
        "(a Spark session). Dask and Spark are extras: pip install 'fengkong[dask]' or "
        "'fengkong[spark]'.",
    ),
]
DaskAddressOpt = Annotated[
    str | None,
    typer.Option(
        "--dask-address",
        help="The Dask scheduler to run on, tcp://host:8786 (with --engine dask; default: a "
        "local cluster started for the run).",
    ),
]
SparkMasterOpt = Annotated[
    str | None,
    typer.Option(
        "--spark-master",
        help="The Spark master URL (with --engine spark; default: the configured master, "
        "else local[*]).",
    ),
]
PartitionsOpt = Annotated[
    int | None,
    typer.Option(
        "--partitions",
        min=1,
        help="Partitions each block of rows is cut into (default: as many as the engine runs "
        "at once).",
    ),
]


def check_engine(engine: str, dask_address: str | None, spark_master: str | None) -> None:
    """Refuse (exit 2) an unknown engine, an option of another engine, a malformed address or
    an engine that is not installed, before the command reads anything."""
    from fengkong.distributed.engines import checked_options

    checked_options(engine, dask_address, spark_master)


def engine_runner(
    engine: str, dask_address: str | None, spark_master: str | None
) -> AbstractContextManager[PartitionRunner]:
    """The runner of the engine asked for, for the length of the command's work."""
    from fengkong.distributed.engines import open_runner

    return open_runner(engine, dask_address=dask_address, spark_master=spark_master)
