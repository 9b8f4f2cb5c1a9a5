"""The ASGI factory uvicorn calls in each worker: settings from the environment, wired once."""

from __future__ import annotations

from fastapi import FastAPI

from fengkong.api.app import create_app
from fengkong.bootstrap import bootstrap
from fengkong.core.settings import load_settings
from fengkong.logs import configure_logging


def build() -> FastAPI:
    settings = load_settings()
    configure_logging("json", settings.log_level)
    return create_app(bootstrap(settings, migrate=False))
