"""What the browser tests share: the simulated book and its users, the served console in
Chromium (`Console`: pages logged in as a user, the checks of every page visited), what a page
reported that it should not (`Watch`), and axe-core's check (vendored by
`axe-playwright-python`). The fixtures are in this folder's `conftest.py`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyotp

from fengkong.core.actor import Actor, Role
from fengkong.sim.plan import RunPlan
from sim.lifecycle_runs import lifecycle_plan

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "console"
PASSWORD = "correct horse battery staple"
ADMIN = Actor(name="browser-tests", kind="user", roles=frozenset({Role.ADMIN}))
# Three months of a downturn at four applicants a weekday (~20 s): month-end snapshots, three
# vintages and early-warning alerts open at the end.
PLAN = lifecycle_plan(months=3, per_day=4, seed=1, scenario_name="downturn")
# The people of the tests: login → roles.
USERS = {
    "rita": frozenset({Role.RISK_MANAGER}),
    "alan": frozenset({Role.APPROVER}),
    "olivia": frozenset({Role.OFFICER}),
}
# The axe-core rule sets run on every page: WCAG 2.1 A and AA (labels, form fields' names,
# colour contrast, language, titles…) and axe's best practices (landmarks, headings…).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
SERIOUS = {"serious", "critical"}


@dataclass(frozen=True)
class Book:
    """A finished simulated run with the tests' users in its database."""

    plan: RunPlan
    home: Path
    folder: Path
    now: datetime
    totp: dict[str, str]  # login → TOTP secret, for those enrolled


# Chromium's console line for any answer of 400 or more.
FAILED_RESOURCE = re.compile(
    r"^Failed to load resource: the server responded with a status of (\d+)"
)


@dataclass
class Watch:
    """What a page reported that it should not: console errors, uncaught exceptions, answers of
    400 or more (but those of a status in `allowed`, which a test expects: a form's 422), CSP
    violations (the `securitypolicyviolation` events, forwarded by an init script)."""

    errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    allowed: set[int] = field(default_factory=set)
    javascript: bool = True  # whether the page's scripts run

    def logged(self, message: Any) -> None:
        if message.type != "error":
            return
        failed = FAILED_RESOURCE.search(message.text)
        if failed is None:
            self.errors.append(message.text)
        elif int(failed.group(1)) not in self.allowed:
            # Also what the page did not ask for itself (the browser's own favicon request).
            self.errors.append(f"{failed.group(1)} {message.location.get('url', '')}")

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

    def new_page(
        self, *, locale: str = "zh-CN", storage_state: Any = None, javascript: bool = True
    ) -> Any:
        """A page of a fresh browser context (its own cookies), watched for errors; without
        `javascript`, the pages' own scripts do not run (the plain forms' fallback)."""
        context = self.browser.new_context(
            locale=locale,
            storage_state=storage_state,
            viewport={"width": 1280, "height": 900},
            java_script_enabled=javascript,
        )
        context.set_default_timeout(10_000)
        watch = Watch(javascript=javascript)
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

    def log_in(
        self, page: Any, user: str, *, next_path: str = "", at: datetime | None = None
    ) -> None:
        """Fill the login form as `user` (with the TOTP code of the server's moment, or of
        `at`)."""
        page.goto(f"{self.url}/console/login" + (f"?next={next_path}" if next_path else ""))
        page.fill("#f-username", user)
        page.fill("#f-password", PASSWORD)
        if user in self.book.totp:
            page.fill("#f-totp", pyotp.TOTP(self.book.totp[user]).at(at or self.book.now))
        with page.expect_navigation():
            page.click("form[action$='/login'] button[type=submit]")

    def logged_in(self, user: str, *, locale: str = "zh-CN", javascript: bool = True) -> Any:
        """A page logged in as `user`: the first time through the login form, then with the
        cookies of that first login (a TOTP code is accepted only once)."""
        if user not in self._sessions:
            page = self.new_page(locale=locale)
            self.log_in(page, user)
            assert "/login" not in page.url, f"{user} could not log in"
            self._sessions[user] = page.context.storage_state()
            if javascript:
                return page
            page.context.close()
        state = self._sessions[user]
        return self.new_page(locale=locale, storage_state=state, javascript=javascript)

    def visit(self, page: Any, name: str) -> None:
        """Check the page now shown: a screenshot, no error or CSP violation so far, and (when
        scripts run: Playwright's own scripts wait for them) its load time noted and no serious
        or critical axe violation of `AXE_TAGS`."""
        page.wait_for_load_state("load")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        self.watch(page).clean()
        if not self.watch(page).javascript:
            return
        self.timings[name] = page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " return n ? n.loadEventEnd - n.startTime : -1; }"
        )
        found = axe(page)
        assert not found, f"axe found on {name}: " + json.dumps(found, ensure_ascii=False)


def axe(page: Any) -> list[dict[str, Any]]:
    """The serious and critical violations axe-core finds of `AXE_TAGS`, each with the
    elements concerned."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
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
