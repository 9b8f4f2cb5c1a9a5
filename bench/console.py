"""The officer console on a large PostgreSQL book: time to first render of the dashboard and of
a loan's page, measured in Debian's Chromium as a person opens them. `python -m bench.console [N]`
prints the section; `python -m bench console` writes it into docs/performance.md. N defaults to
`SNAPSHOT_LOANS` (`FENGKONG_BENCH_SNAPSHOT_LOANS`, 1,000,000).

The book is the snapshot bench's (`bench.snapshots`): N loans booked over 24 months, COPY-loaded
into a schema of its own (`bench_console`) with their applications and decisions, the earlier
month ends' snapshots, then the final day's snapshot taken as end of day takes it. A risk
manager is created in it; the API and the console are served by uvicorn in a child process
(`bench.served`, one worker) and Chromium logs in through the console's form. Each page is
opened `RUNS` times after a first, unmeasured opening: the time is the navigation's start to its
load event (`performance.getEntriesByType('navigation')`), which covers the server's answer,
the scripts (htmx, ECharts) and the charts drawn. Loan pages are opened for `RUNS` different
loans spread over the book.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from bench.harness import Section
from bench.served import served
from bench.snapshot_book import load_book
from bench.snapshots import (
    FINAL,
    SNAPSHOT_LOANS,
    _services,
    _template,
    load_history,
    schema_url,
)
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.monitoring.snapshots import take_snapshot

SCHEMA = "bench_console"
CHROMIUM = "/usr/bin/chromium"
GOAL_SECONDS = 1.0
GOAL_LOANS = 1_000_000
RUNS = 5
PASSWORD = "bench console password"
LOAD_TIME = """() => { const n = performance.getEntriesByType('navigation')[0];
  return n.loadEventEnd - n.startTime; }"""


@dataclass
class Measured:
    loans: int
    build_seconds: float
    dashboard_ms: list[float]
    loan_ms: list[float]


def build_book(n: int) -> tuple[str, float]:
    """The snapshot bench's book of `n` loans in `SCHEMA`, with the final day's snapshot."""
    url = schema_url(SCHEMA)
    db = Database(url)
    start = time.perf_counter()
    try:
        upgrade(db)
        load_book(db, n, FINAL, _template())
        svc = _services(db)
        load_history(db, n, svc)
        take_snapshot(FINAL, svc)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("CHECKPOINT")
    finally:
        db.dispose()
    return url, time.perf_counter() - start


def _ids(url: str, count: int) -> list[str]:
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            total = conn.execute(sa.text("select count(*) from loans")).scalar_one()
            step = max(1, total // count)
            return [
                str(
                    conn.execute(
                        sa.text("select id from loans order by id offset :o limit 1"),
                        {"o": k * step},
                    ).scalar_one()
                )
                for k in range(count)
            ]
    finally:
        db.dispose()


def _risk_manager(url: str, home: Path, at: datetime) -> None:
    from fengkong.access.users import create_user
    from fengkong.bootstrap import bootstrap
    from fengkong.core.actor import Actor, Role
    from fengkong.core.clock import FakeClock
    from fengkong.core.settings import Settings

    admin = Actor(name="bench", kind="system", roles=frozenset({Role.ADMIN}))
    ctx = bootstrap(Settings(env="test", home=home, database_url=url), clock=FakeClock(at))
    try:
        create_user(
            ctx.access,
            admin,
            login="rita",
            display_name="Rita",
            roles=frozenset({Role.RISK_MANAGER}),
            password=PASSWORD,
        )
    finally:
        ctx.close()


def _open(page: object, url: str) -> float:
    page.goto(url)  # type: ignore[attr-defined]
    page.wait_for_load_state("load")  # type: ignore[attr-defined]
    return float(page.evaluate(LOAD_TIME))  # type: ignore[attr-defined]


def measure(n: int, runs: int = RUNS) -> Measured:
    from playwright.sync_api import sync_playwright

    url, build_seconds = build_book(n)
    loans = _ids(url, runs + 1)
    at = datetime.combine(FINAL, datetime.min.time(), UTC).replace(hour=23)
    with tempfile.TemporaryDirectory() as folder:
        home = Path(os.environ.get("FENGKONG_BENCH_KEEP", folder))
        home.mkdir(parents=True, exist_ok=True)
        _risk_manager(url, home, at)
        with served(url, home, at, secret="", console=True) as client, sync_playwright() as pw:
            base = str(client.base_url).rstrip("/")
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.goto(f"{base}/console/login")
            page.fill("#f-username", "rita")
            page.fill("#f-password", PASSWORD)
            with page.expect_navigation():
                page.click("form[action$='/login'] button[type=submit]")
            _open(page, f"{base}/console/dashboard")  # warm: the first request of the worker
            dashboard = [_open(page, f"{base}/console/dashboard") for _ in range(runs)]
            _open(page, f"{base}/console/loans/{loans[0]}")
            loan = [_open(page, f"{base}/console/loans/{i}") for i in loans[1:]]
            browser.close()
    return Measured(n, build_seconds, dashboard, loan)


def run(n: int = SNAPSHOT_LOANS, runs: int = RUNS) -> Section:
    m = measure(n, runs)
    goal = f"≤ {GOAL_SECONDS:.0f} s" if m.loans >= GOAL_LOANS else "-"
    rows = [
        (
            f"{name}, {m.loans:,} loans (median / slowest of {len(samples)})",
            f"{statistics.median(samples):,.0f} / {max(samples):,.0f} ms",
            goal,
        )
        for name, samples in (("dashboard", m.dashboard_ms), ("a loan's page", m.loan_ms))
    ]
    return Section(
        title="The officer console: time to first render",
        command="python -m bench console",
        lines=[
            f"The snapshot bench's book of {m.loans:,} loans on PostgreSQL (built in "
            f"{m.build_seconds:,.0f} s, with the final day's snapshot), served by one uvicorn "
            "worker; Debian's Chromium (headless, 1280 × 900) logged in as a risk manager opens "
            "each page: navigation start to the load event, the charts drawn."
        ],
        table_header=("page", "time to load", "goal"),
        rows=rows,
    )


if __name__ == "__main__":
    loans = int(sys.argv[1]) if len(sys.argv) > 1 else SNAPSHOT_LOANS
    print(run(loans).markdown())
