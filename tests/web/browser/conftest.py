"""Fixtures of the browser tests: a small seeded simulated book (a three-month downturn, run once
per test session), real users in its database, the console served on it by uvicorn on a free
localhost port, and Debian's Chromium driven by Playwright (sync API).

The tests of `tests/web/browser/` carry the marks `browser` and `xdist_group("browser")`, so
that `make test` (`--dist loadgroup`) runs them all on one worker, which makes the book and starts
the server once. Without `/usr/bin/chromium` they are skipped, except under `CI`, where that is
a failure (`.ci/run` installs it).

Helpers: `served.logged_in(user)` gives a page of a browser context logged in as one of
`USERS` (each logs in once per session: an approver's TOTP code is accepted once, and the
server's clock stands still); `served.visit(page, name)` checks a page as every test should
(no console error, no CSP violation, no serious or critical axe violation, a screenshot under
`test-artifacts/console/`, the time to its load event recorded)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from fengkong.core.actor import Actor, Role
from fengkong.sim.plan import END_OF_DAY_AT, RunPlan, at
from fengkong.sim.run import simulate
from sim.lifecycle_runs import lifecycle_plan, run_context, sim_settings

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "console"
PASSWORD = "correct horse battery staple"
ADMIN = Actor(name="browser-tests", kind="user", roles=frozenset({Role.ADMIN}))
# Three months of a downturn at four applicants a weekday (~20 s): month-end snapshots, three
# vintages and early-warning alerts open at the end.
PLAN = lifecycle_plan(months=3, per_day=4, seed=1, scenario_name="downturn")
# The people of the tests: login → roles.
USERS = {"rita": frozenset({Role.RISK_MANAGER}), "alan": frozenset({Role.APPROVER})}
# The axe rules of labels, forms, names and colour contrast (axe-core's rule ids).
AXE_RULES = [
    "label",
    "label-title-only",
    "select-name",
    "button-name",
    "link-name",
    "input-button-name",
    "form-field-multiple-labels",
    "aria-input-field-name",
    "color-contrast",
    "document-title",
    "html-has-lang",
    "html-lang-valid",
    "image-alt",
    "role-img-alt",
    "duplicate-id-aria",
    "aria-valid-attr-value",
]
SERIOUS = {"serious", "critical"}


@dataclass(frozen=True)
class Book:
    """A finished simulated run with the tests' users in its database."""

    plan: RunPlan
    home: Path
    folder: Path
    now: datetime
    totp: dict[str, str]  # login → TOTP secret, for those enrolled


@pytest.fixture(scope="session")
def book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    from fengkong.access.users import create_user

    base = tmp_path_factory.mktemp("browser-book")
    home, folder = base / "home", base / "run"
    simulate(sim_settings(home), PLAN, folder)
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
    return Book(plan=PLAN, home=home, folder=folder, now=now, totp=secrets)


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


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless (Playwright's own browser download is not used)."""
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


# Chromium's console line for any answer >= 400, told apart by `Watch.answered` (with its URL).
FAILED_RESOURCE = "Failed to load resource: the server responded with a status of"


@dataclass
class Watch:
    """What a page reported that it should not: console errors, uncaught exceptions, answers of
    400 or more (but those of a status in `allowed`, which a test expects: a form's 422), CSP
    violations (the `securitypolicyviolation` events, forwarded by an init script)."""

    errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    allowed: set[int] = field(default_factory=set)

    def logged(self, message: Any) -> None:
        if message.type == "error" and not message.text.startswith(FAILED_RESOURCE):
            self.errors.append(message.text)

    def answered(self, response: Any) -> None:
        if response.status >= 400 and response.status not in self.allowed:
            self.errors.append(f"{response.status} {response.url}")

    def violated(self, report: str) -> None:
        self.violations.append(report)

    def clean(self) -> None:
        assert not self.errors, f"the console reported errors: {self.errors}"
        assert not self.violations, f"CSP violations: {self.violations}"


# Runs in every document before its own scripts (Playwright injects it past the CSP).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.reportViolation(e.violatedDirective + " " + (e.blockedURI || "inline") + " " +
    (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


@dataclass
class Console:
    """The served console and the browser: pages logged in as the tests' users, and the checks
    every page visited gets."""

    url: str
    book: Book
    browser: Any
    timings: dict[str, float] = field(default_factory=dict)
    _sessions: dict[str, Any] = field(default_factory=dict)
    watches: dict[int, Watch] = field(default_factory=dict)

    def new_page(self, *, locale: str = "zh-CN", storage_state: Any = None) -> Any:
        """A page of a fresh browser context (its own cookies), watched for errors."""
        context = self.browser.new_context(
            locale=locale, storage_state=storage_state, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(10_000)
        watch = Watch()
        context.expose_function("reportViolation", watch.violated)
        context.add_init_script(REPORT_VIOLATIONS)
        page = context.new_page()
        page.on("console", watch.logged)
        page.on("response", watch.answered)
        page.on("pageerror", lambda e: watch.errors.append(str(e)))
        self.watches[id(page)] = watch
        return page

    def watch(self, page: Any) -> Watch:
        return self.watches[id(page)]

    def log_in(self, page: Any, user: str, *, next_path: str = "") -> None:
        """Fill the login form as `user` (with the TOTP code of the server's moment)."""
        page.goto(f"{self.url}/console/login" + (f"?next={next_path}" if next_path else ""))
        page.fill("#f-username", user)
        page.fill("#f-password", PASSWORD)
        if user in self.book.totp:
            page.fill("#f-totp", pyotp.TOTP(self.book.totp[user]).at(self.book.now))
        with page.expect_navigation():
            page.click("form[action$='/login'] button[type=submit]")

    def logged_in(self, user: str, *, locale: str = "zh-CN") -> Any:
        """A page logged in as `user`: the first time through the login form, then with the
        cookies of that first login (a TOTP code is accepted only once)."""
        if user not in self._sessions:
            page = self.new_page(locale=locale)
            self.log_in(page, user)
            assert "/login" not in page.url, f"{user} could not log in"
            self._sessions[user] = page.context.storage_state()
            return page
        return self.new_page(locale=locale, storage_state=self._sessions[user])

    def visit(self, page: Any, name: str) -> None:
        """Check the page now shown: its load time noted, a screenshot, no error or CSP
        violation so far, and no serious or critical axe violation of `AXE_RULES`."""
        page.wait_for_load_state("load")
        self.timings[name] = page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " return n ? n.loadEventEnd - n.startTime : -1; }"
        )
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        self.watch(page).clean()
        found = axe(page)
        assert not found, f"axe found on {name}: " + json.dumps(found, ensure_ascii=False)


def axe(page: Any) -> list[dict[str, Any]]:
    """The serious and critical violations axe-core finds of `AXE_RULES`, each with the
    elements concerned."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"runOnly": {"type": "rule", "values": AXE_RULES}, "resultTypes": ["violations"]},
    )
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.fixture(scope="session")
def served(chromium: Any, book: Book, server: str) -> Iterator[Console]:
    """The console served on the book, in Chromium (looked for first: without it, no book is
    made)."""
    served = Console(url=server, book=book, browser=chromium)
    yield served
    if served.timings:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        lines = [f"{name}: {ms:.0f} ms" for name, ms in served.timings.items()]
        (ARTIFACTS / "timings.txt").write_text("\n".join(lines) + "\n")
        print("\nconsole: navigation start → load event\n  " + "\n  ".join(lines))
