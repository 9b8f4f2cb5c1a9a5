"""The engines batch work can run on, as the commands name them (`--engine local|dask|spark`),
and the runner each opens (`open_runner`). The engines' packages are optional extras: asking for
one that is not installed is refused with the extra to install, before anything runs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from importlib.util import find_spec

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.partitions import IN_PROCESS, PartitionRunner


class Engine(StrEnum):
    LOCAL = "local"  # in this process, one partition after another
    DASK = "dask"  # a Dask cluster: at an address, or a local one started for the run
    SPARK = "spark"  # a Spark session: the configured master, or local[*]


ENGINES: tuple[str, ...] = tuple(e.value for e in Engine)
# The extra that installs each engine's package, and the module that shows it is there.
EXTRAS: dict[Engine, tuple[str, str]] = {
    Engine.DASK: ("dask", "distributed"),
    Engine.SPARK: ("spark", "pyspark"),
}
# scheme://host[:port]: the schemes Dask's comms speak.
DASK_ADDRESS = re.compile(r"^(tcp|tls|ucx|ws|wss|inproc)://[^\s/:]+(:\d{1,5})?$")


class EngineMissing(Invalid):
    """The engine asked for is not installed: the message names the extra that installs it."""


def parse_engine(text: str) -> Engine:
    """The engine named `text`; `Invalid` listing the engines otherwise."""
    try:
        return Engine(text.strip().lower())
    except ValueError:
        raise Invalid(
            (
                FieldError(
                    ("engine",),
                    f"unknown engine {text!r}: local, dask or spark / 未知的计算引擎 {text!r}："
                    "可选 local、dask 或 spark",
                    "unknown_engine",
                    ENGINES,
                ),
            )
        ) from None


def check_dask_address(address: str) -> str:
    """`address` if it reads as a Dask scheduler's (`tcp://host:8786`); `Invalid` otherwise."""
    if not DASK_ADDRESS.match(address.strip()):
        raise Invalid(
            (
                FieldError(
                    ("dask_address",),
                    f"not a Dask scheduler address (tcp://host:8786): {address!r} / "
                    f"不是 Dask 调度器地址（如 tcp://host:8786）：{address!r}",
                    "bad_address",
                ),
            )
        )
    return address.strip()


def check_installed(engine: Engine) -> None:
    """Refuse an engine whose package is missing, naming the extra that installs it."""
    if engine not in EXTRAS:
        return
    extra, module = EXTRAS[engine]
    if find_spec(module) is None:
        raise EngineMissing(
            (
                FieldError(
                    ("engine",),
                    f"the {engine.value} engine is not installed: pip install 'fengkong[{extra}]'"
                    f" / 未安装 {engine.value} 计算引擎：请运行 pip install 'fengkong[{extra}]'",
                    "engine_missing",
                ),
            )
        )


def checked_options(
    engine: str, dask_address: str | None = None, spark_master: str | None = None
) -> Engine:
    """The engine asked for, once its options agree with it and its package is there."""
    chosen = parse_engine(engine)
    if dask_address is not None:
        if chosen is not Engine.DASK:
            raise Invalid(
                (
                    FieldError(
                        ("dask_address",),
                        "--dask-address goes with --engine dask / --dask-address 仅用于 "
                        "--engine dask",
                    ),
                )
            )
        check_dask_address(dask_address)
    if spark_master is not None and chosen is not Engine.SPARK:
        raise Invalid(
            (
                FieldError(
                    ("spark_master",),
                    "--spark-master goes with --engine spark / --spark-master 仅用于 "
                    "--engine spark",
                ),
            )
        )
    check_installed(chosen)
    return chosen


@contextmanager
def open_runner(
    engine: str, *, dask_address: str | None = None, spark_master: str | None = None
) -> Iterator[PartitionRunner]:
    """The runner of `engine` for the length of a run: in this process; a Dask client (to
    `dask_address`, else a local cluster started and stopped with the run); or a Spark
    session (`spark_master`, else the configured master or local[*])."""
    chosen = checked_options(engine, dask_address, spark_master)
    if chosen is Engine.LOCAL:
        yield IN_PROCESS
    elif chosen is Engine.DASK:
        from fengkong.distributed.dask_runner import dask_runner

        with dask_runner(dask_address) as runner:
            yield runner
    else:
        from fengkong.distributed.spark_runner import spark_runner

        with spark_runner(spark_master) as runner:
            yield runner
