"""The API as a test server process runs it: `uvicorn --factory fakes.app_factory:build`, with
`PYTHONPATH` holding `src` and `tests`. Settings come from the environment (`FENGKONG_*`, as
`fengkong serve`), the clock stands still at `FENGKONG_TEST_NOW` (an ISO datetime) so that every
server process agrees on the business day, and the staff of `fakes.access.STAFF` are the only
credentials accepted."""

from __future__ import annotations

import os
from datetime import datetime

from fastapi import FastAPI

from fakes.access import FakeAuthenticator
from fengkong.api.app import create_app
from fengkong.bootstrap import bootstrap
from fengkong.core.clock import FakeClock
from fengkong.core.settings import load_settings


def build() -> FastAPI:
    clock = FakeClock(datetime.fromisoformat(os.environ["FENGKONG_TEST_NOW"]))
    context = bootstrap(load_settings(), clock=clock, migrate=False)
    context.authenticator = FakeAuthenticator()
    return create_app(context)
