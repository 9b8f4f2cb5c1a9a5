"""The ASGI factory `fengkong serve` runs in each worker: the API and, at `/console`, the officer
console, over one wiring."""

from __future__ import annotations

from fastapi import FastAPI

from fengkong.api.main import build as build_api
from fengkong.core.clock import Clock
from fengkong.core.settings import Settings
from fengkong.web.app import install


def build(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    app = build_api(settings, clock)
    install(app, app.state.context)
    return app
