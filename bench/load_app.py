"""The apps the load benchmark serves, as uvicorn factories (`bench.load_app:decisions`,
`bench.load_app:floor`), each worker built from the environment the bench sets.

`decisions` is `fengkong.api.main.build` with one addition for the bench only: a SQLAlchemy
`before_cursor_execute` listener counting the worker's statements, written to
`$FENGKONG_BENCH_SQL_COUNTS/<pid>.json` by a background thread. Nothing of it is in `src`: the
production factory never counts. `floor` is the least a served endpoint costs here: a bare
FastAPI route and a bare `SELECT 1`, with the same JSON body parsed, so decisions read as ratios
to it."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy import event

COUNTS_ENV = "FENGKONG_BENCH_SQL_COUNTS"
FLOOR_URL_ENV = "FENGKONG_BENCH_FLOOR_URL"
FLUSH_SECONDS = 0.2


class _Counter:
    """Statements executed by this worker, flushed to its own file while it runs (uvicorn's
    workers leave by `os._exit`, so nothing can be written at exit)."""

    def __init__(self, folder: Path) -> None:
        self.count = 0
        self.path = folder / f"{os.getpid()}.json"
        event.listen(sa.engine.Engine, "before_cursor_execute", self._seen)
        threading.Thread(target=self._flush_forever, daemon=True).start()

    def _seen(self, *_: Any) -> None:
        self.count += 1  # one listener per worker; the GIL keeps += whole under threads

    def _flush_forever(self) -> None:
        written = -1
        while True:
            if self.count != written:
                written = self.count
                tmp = self.path.with_suffix(".tmp")
                tmp.write_text(json.dumps({"statements": written}))
                tmp.replace(self.path)
            time.sleep(FLUSH_SECONDS)


def statements(folder: Path) -> int:
    """Statements every worker counted so far, summed from their files."""
    total = 0
    for path in folder.glob("*.json"):
        total += int(json.loads(path.read_text())["statements"])
    return total


def decisions() -> FastAPI:
    """The served API, as `fengkong serve` builds it per worker, counting SQL when asked."""
    folder = os.environ.get(COUNTS_ENV)
    if folder:
        _Counter(Path(folder))
    from fengkong.api.main import build

    return build()


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
