"""The ASGI factory uvicorn calls in each worker: settings from the environment, wired once."""

from __future__ import annotations

import atexit
import gc

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
        # One of several workers: when it stops, its live gauges (the pool) leave the sums.
        atexit.register(metrics.worker_exited)
    # What start-up loaded (libraries, policy, models) lives as long as the worker: moved out of
    # the collector's reach, a full collection during a request no longer walks all of it.
    gc.freeze()
    return app
