"""The partition runner on Dask (`distributed`): each partition one task, submitted with
`Client.map` and gathered in partition order. A client connects to a running scheduler
(`tcp://host:8786`), or to a `LocalCluster` started for the run and stopped with it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, TypeVar

from fengkong.core.errors import Unavailable

if TYPE_CHECKING:
    from distributed import Client

P = TypeVar("P")
R = TypeVar("R")
CONNECT_TIMEOUT = "10s"


class DaskRunner:
    """`PartitionRunner` over a Dask client: one task per partition."""

    def __init__(self, client: Client) -> None:
        self.client = client

    @property
    def parallelism(self) -> int:
        """The cluster's worker threads, as the scheduler counts them now."""
        threads = self.client.nthreads()  # type: ignore[no-untyped-call]
        return max(1, int(sum(threads.values())))

    def map(self, fn: Callable[[P], R], partitions: Sequence[P]) -> list[R]:
        if not partitions:
            return []
        # The function (a model, a policy, the lending configuration in its partial) goes to
        # every worker once and the partitions each to one, ahead of the tasks: a task graph
        # carrying them would be sent through the scheduler, which Dask warns against.
        client = self.client
        shared = client.scatter(fn, broadcast=True, hash=False)  # type: ignore[no-untyped-call]
        data = client.scatter(list(partitions), hash=False)  # type: ignore[no-untyped-call]
        futures = client.map(_apply, data, fn=shared, pure=False)
        results: list[R] = client.gather(futures)  # type: ignore[no-untyped-call]
        client.cancel([*futures, *data, shared])  # type: ignore[no-untyped-call]
        return results


def _apply(partition: P, fn: Callable[[P], R]) -> R:
    return fn(partition)


@contextmanager
def dask_runner(
    address: str | None = None,
    *,
    workers: int | None = None,
    threads_per_worker: int = 1,
    processes: bool = True,
) -> Iterator[DaskRunner]:
    """A `DaskRunner` on the scheduler at `address`, or, without one, on a `LocalCluster` of
    `workers` processes (default: Dask's choice for this machine) started for the run.
    `Unavailable` when the scheduler cannot be reached."""
    from distributed import Client, LocalCluster

    with ExitStack() as stack:
        if address is None:
            cluster = stack.enter_context(
                LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=workers,
                    threads_per_worker=threads_per_worker,
                    processes=processes,
                    # any free port: the scheduler serves HTTP even without a dashboard,
                    # and 8787 may be another cluster's
                    dashboard_address=":0",
                )
            )
            client = stack.enter_context(Client(cluster))  # type: ignore[no-untyped-call]
        else:
            try:
                client = stack.enter_context(
                    Client(address, timeout=CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
                )
            except (OSError, TimeoutError) as exc:
                raise Unavailable(
                    f"no Dask scheduler answers at {address}: {exc} / "
                    f"无法连接 {address} 的 Dask 调度器"
                ) from None
        yield DaskRunner(client)
