"""The ASGI factory uvicorn calls in each worker: settings from the environment, wired once."""

from __future__ import annotations

import gc

from fastapi import FastAPI

from fengkong.api.app import create_app
from fengkong.bootstrap import bootstrap
from fengkong.core.settings import load_settings
from fengkong.logs import configure_logging


def build() -> FastAPI:
    settings = load_settings()
    configure_logging("json", settings.log_level)
    app = create_app(bootstrap(settings, migrate=False))
    # What start-up loaded (libraries, policy, models) lives as long as the worker: moved out of
    # the collector's reach, a full collection during a request no longer walks all of it.
    gc.freeze()
    return app
