"""The apps the load benchmark serves, as uvicorn factories (`bench.load_app:decisions`,
`bench.load_app:floor`), each worker built from the environment the bench sets.

`decisions` is `fengkong.api.main.build` with two additions for the bench only: counters of the
worker's SQL statements (`_Counter`), written to `$FENGKONG_BENCH_SQL_COUNTS/<pid>.json` by a
background thread, and, with `FENGKONG_BENCH_PROFILE`, a per-thread CPU profile
(`bench.load_profile`). Nothing of it is in `src`: the production factory never counts nor
profiles. `floor` is the least a served endpoint costs here: a bare FastAPI route and a bare
`SELECT 1`, with the same JSON body parsed, so decisions read as ratios to it."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy import event

from bench.load_profile import PROFILE_ENV, install

COUNTS_ENV = "FENGKONG_BENCH_SQL_COUNTS"
FLOOR_URL_ENV = "FENGKONG_BENCH_FLOOR_URL"
FLUSH_SECONDS = 0.2
# Traced by SQLite but not sent by the application: transaction control, pragmas, and the
# statements of triggers (traced as "-- TRIGGER …").
_CONTROL = ("--", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOIN", "RELEASE", "PRAGMA")


class _Counter:
    """Statements executed by this worker, flushed to its own file while it runs (uvicorn's
    workers leave by `os._exit`, so nothing can be written at exit). Two counts: those
    SQLAlchemy executes (`before_cursor_execute`), and every statement the driver runs — the
    decision path also sends driver SQL of its own (`fengkong.db.driver_reads`, pipelines),
    which SQLAlchemy never sees: psycopg cursors' `execute`/`executemany` calls (one each), and
    SQLite's trace callback (each statement run, once per row of an `executemany`; transaction
    control and triggers' bodies left out)."""

    def __init__(self, folder: Path) -> None:
        self.sqlalchemy = 0
        self.driver = 0
        self.path = folder / f"{os.getpid()}.json"
        event.listen(sa.engine.Engine, "before_cursor_execute", self._seen)
        event.listen(sa.pool.Pool, "connect", self._connected)
        self._count_psycopg()
        threading.Thread(target=self._flush_forever, daemon=True).start()

    def _seen(self, *_: Any) -> None:
        self.sqlalchemy += 1  # the GIL keeps += whole under the worker's threads

    def _connected(self, dbapi_conn: Any, _record: Any) -> None:
        if isinstance(dbapi_conn, sqlite3.Connection):
            dbapi_conn.set_trace_callback(self._traced)

    def _traced(self, sql: str) -> None:
        head = sql.lstrip()[:8].upper()
        if not head.startswith(_CONTROL):
            self.driver += 1

    def _count_psycopg(self) -> None:
        try:
            import psycopg
        except ImportError:
            return
        counter = self

        def counted(method: Any) -> Any:
            def call(cursor: Any, *args: Any, **kwargs: Any) -> Any:
                counter.driver += 1
                return method(cursor, *args, **kwargs)

            return call

        psycopg.Cursor.execute = counted(psycopg.Cursor.execute)  # type: ignore[method-assign]
        psycopg.Cursor.executemany = counted(psycopg.Cursor.executemany)  # type: ignore[method-assign]

    def _flush_forever(self) -> None:
        written: tuple[int, int] = (-1, -1)
        while True:
            now = (self.driver, self.sqlalchemy)
            if now != written:
                written = now
                tmp = self.path.with_suffix(".tmp")
                tmp.write_text(json.dumps({"statements": now[0], "sqlalchemy": now[1]}))
                tmp.replace(self.path)
            time.sleep(FLUSH_SECONDS)


def statements(folder: Path) -> tuple[int, int]:
    """Statements every worker counted so far, summed from their files: all that the driver
    ran, and those of them SQLAlchemy executed."""
    driver = orm = 0
    for path in folder.glob("*.json"):
        counts = json.loads(path.read_text())
        driver += int(counts["statements"])
        orm += int(counts["sqlalchemy"])
    return driver, orm


def decisions() -> FastAPI:
    """The served API, as `fengkong serve` builds it per worker, counting SQL when asked, and
    profiled when asked (`bench.load_profile`, from once the app is built)."""
    folder = os.environ.get(COUNTS_ENV)
    if folder:
        _Counter(Path(folder))
    from fengkong.api.main import build

    app = build()
    profiles = os.environ.get(PROFILE_ENV)
    if profiles:
        install(Path(profiles))
    return app


def floor() -> FastAPI:
    """A bare endpoint and a bare `SELECT 1`, sync like the decision route (uvicorn's thread
    pool), on the same database URL with the same engine defaults."""
    engine = sa.create_engine(os.environ[FLOOR_URL_ENV])
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/bare")
    def bare(body: dict[str, Any]) -> dict[str, bool]:
        return {"ok": bool(body)}

    @app.post("/select1")
    def select1(body: dict[str, Any]) -> dict[str, int]:
        with engine.connect() as conn:
            return {"one": int(conn.execute(sa.text("select 1")).scalar_one())}

    return app
