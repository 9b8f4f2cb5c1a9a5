"""The API and the officer console as `fengkong serve` runs them (`fengkong.web.main`), on a
finished lifecycle simulation's own database, for the browser tests: `uvicorn --factory
fakes.console_app:build`, with `PYTHONPATH` holding `src` and `tests`.

The environment names the run: `FENGKONG_TEST_HOME` (the settings' home the run was made with),
`FENGKONG_TEST_RUN` (the run's folder, holding its database and vault key),
`FENGKONG_TEST_POLICY` (the run's policy) and `FENGKONG_TEST_NOW` (an ISO datetime: the clock
stands still there, the run's last end of day, so that the pages show the run's last business
date and TOTP codes are those of that moment). Logins are real (`access.logins`)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI

from fengkong.access.logins import AccessAuthenticator
from fengkong.api.app import create_app
from fengkong.bootstrap import bootstrap
from fengkong.core.clock import FakeClock
from fengkong.core.settings import Settings
from fengkong.sim.setup import policy_bundle, run_settings
from fengkong.web.app import install


def build() -> FastAPI:
    base = Settings(env="test", home=Path(os.environ["FENGKONG_TEST_HOME"]))
    settings = run_settings(base, Path(os.environ["FENGKONG_TEST_RUN"]), None)
    context = bootstrap(
        settings,
        clock=FakeClock(datetime.fromisoformat(os.environ["FENGKONG_TEST_NOW"])),
        policy=policy_bundle(os.environ["FENGKONG_TEST_POLICY"], settings.price_cap),
    )
    context.authenticator = AccessAuthenticator(context.access)
    app = create_app(context)
    install(app, context)
    return app
