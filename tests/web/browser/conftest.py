"""Fixtures of the browser tests: a small seeded simulated book (a three-month downturn, run once
per test session), real users in its database, the console served on it by uvicorn on a free
localhost port, and Debian's Chromium driven by Playwright (sync API).

Under xdist (`make test`) the simulation runs once for all workers (the first to need it runs
it, under a file lock; the others wait); each worker that runs a browser test copies it, creates
its users in its copy and serves its own server. The tests also carry `xdist_group("browser")`
for `--dist loadgroup`, which would keep them on one worker, but pytest 9.2's structured node
ids defeat it for now (pytest-xdist issue 1386). Without `/usr/bin/chromium` they are skipped,
except under `CI`, where that is a failure (`.ci/run` installs it).

Helpers (`served.py`): `served.logged_in(user)` gives a page of a browser context logged in as one of
`USERS` (each logs in once per session: an approver's TOTP code is accepted once, and the
server's clock stands still); `served.visit(page, name)` checks a page as every test should
(no console error, no CSP violation, no serious or critical axe violation, a screenshot under
`test-artifacts/console/`, the time to its load event recorded)."""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from factories import body
from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context
from fengkong.decision.service import submit_application
from fengkong.sim.plan import END_OF_DAY_AT, at
from fengkong.sim.run import simulate
from sim.lifecycle_runs import run_context, sim_settings
from web.browser.served import (
    ADMIN,
    ARTIFACTS,
    CHROMIUM,
    PASSWORD,
    PLAN,
    ROOT,
    USERS,
    Book,
    Console,
)


@pytest.fixture(scope="session")
def book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    """This worker's copy of the simulated run, with the tests' users created in it."""
    from fengkong.access.users import create_user

    base = tmp_path_factory.mktemp("browser-book")
    home, folder = base / "home", base / "run"
    shutil.copytree(_simulated(tmp_path_factory), folder)
    now = at(PLAN.end - timedelta(days=1), END_OF_DAY_AT)
    secrets = {}
    with run_context(sim_settings(home), PLAN, folder) as ctx:
        for login, roles in USERS.items():
            _, enrolment = create_user(
                ctx.access,
                ADMIN,
                login=login,
                display_name=login.title(),
                roles=roles,
                password=PASSWORD,
            )
            if enrolment is not None:
                secrets[login] = enrolment.secret
        _refer_one(ctx)
    return Book(plan=PLAN, home=home, folder=folder, now=now, totp=secrets)


def _refer_one(ctx: Context) -> None:
    """An application the run's policy refers (it leaves out the applicant's other debts), as
    the API takes it: the simulated officer has worked every referral of the run."""
    payload = body(amount="3000.00")
    payload.pop("existing_monthly_debt")
    request = ApplicationIn(**payload).to_request(ctx.clock.business_date())
    decision = submit_application(request, ctx.decisions)
    assert decision.outcome.value == "refer", decision.outcome


def _simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of `PLAN`'s run, made once per session: under xdist in the session's shared
    temporary folder, by the first worker to ask, the others waiting on its lock."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        shared = tmp_path_factory.mktemp("browser-run")
    else:
        shared = tmp_path_factory.getbasetemp().parent / "browser-run"
        shared.mkdir(exist_ok=True)
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "done").exists():
            simulate(sim_settings(shared / "home"), PLAN, shared / "run")
            (shared / "done").touch()
    return shared / "run"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(book: Book, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The console's base URL, served by uvicorn on the book until the session ends."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "tests")]),
        "FENGKONG_TEST_HOME": str(book.home),
        "FENGKONG_TEST_RUN": str(book.folder),
        "FENGKONG_TEST_POLICY": book.plan.policy,
        "FENGKONG_TEST_NOW": book.now.isoformat(),
    }
    logs = tmp_path_factory.mktemp("browser-server") / "server.log"
    with logs.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "fakes.console_app:build",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=book.home.parent,
        )  # fmt: skip
    try:
        _wait_until_up(url, process, logs)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], logs: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the console's server exited ({process.returncode}):\n{logs.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} did not start in 60 s:\n{logs.read_text()}")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless (Playwright's own browser download is not used). Stopped
    with the module: Playwright's sync API keeps an event loop running in the thread, and a
    later file's `asyncio.run` in the same worker would find it."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs it (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def served(chromium: Any, book: Book, server: str) -> Iterator[Console]:
    """The console served on the book, in Chromium (looked for first: without it, no book is
    made)."""
    served = Console(url=server, book=book, browser=chromium)
    yield served
    if served.timings:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        lines = [f"{name}: {ms:.0f} ms" for name, ms in served.timings.items()]
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        (ARTIFACTS / f"timings-{worker}.txt").write_text("\n".join(lines) + "\n")
        _timings.extend(lines)


_timings: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The pages' load times in the test log (under xdist, each worker's are in
    `test-artifacts/console/timings-<worker>.txt`, which `.ci/run` prints)."""
    if _timings:
        terminalreporter.section("console: navigation start → load event")
        for line in _timings:
            terminalreporter.write_line(line)
