"""The ASGI factory uvicorn calls in each worker: settings from the environment, wired once."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI

from fengkong.api import metrics
from fengkong.api.app import create_app
from fengkong.bootstrap import bootstrap
from fengkong.core.clock import Clock
from fengkong.core.settings import Settings, load_settings
from fengkong.logs import configure_logging


def build(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """The app a worker serves; `settings` and `clock` default to the environment's and the
    system's (benchmarks pass a fixed clock, to serve loans on the day they were loaded for)."""
    settings = settings or load_settings()
    configure_logging("json", settings.log_level)
    app = create_app(bootstrap(settings, clock=clock, migrate=False))
    if metrics.multiprocess_dir() is not None:
        # One of several workers: when it stops, its live gauges (the pool) leave the sums. At
        # the app's shutdown, not `atexit`: uvicorn re-raises the SIGTERM it caught once the
        # app has shut down, and the process dies of it without running exit handlers.
        app.router.lifespan_context = _marking_dead(app.router.lifespan_context)
    # What start-up loaded (libraries, policy, models) lives as long as the worker: moved out of
    # the collector's reach, a full collection during a request no longer walks all of it.
    gc.freeze()
    return app


Lifespan = Callable[[Any], AbstractAsyncContextManager[Any]]


def _marking_dead(inner: Lifespan) -> Lifespan:
    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[Any]:
        async with inner(app) as state:
            try:
                yield state
            finally:
                metrics.worker_exited()

    return lifespan
