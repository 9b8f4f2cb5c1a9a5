"""SQLite's WAL checkpoints, in the background. Left to SQLite, the commit that takes the log past
its threshold copies the log into the database file and syncs both while its caller waits: now
and then one decision would wait for the copy on behalf of all the others."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Commits between wake-ups, and the longest sleep: the log stays a few megabytes long.
COMMITS_PER_CHECKPOINT = 16
MAX_INTERVAL_SECONDS = 1.0
# Pages in the log before a committing connection checkpoints after all: only reached if the
# background thread cannot keep up, or has stopped.
BACKSTOP_PAGES = 20_000

# Held while a checkpointer is inside SQLite, and by a forking thread across `fork()`: a child
# forked mid-checkpoint would inherit SQLite's process-wide mutexes locked by a thread it does
# not have, and hang at its first `connect`.
_IN_SQLITE = threading.Lock()
os.register_at_fork(
    before=_IN_SQLITE.acquire,
    after_in_parent=_IN_SQLITE.release,
    after_in_child=_IN_SQLITE.release,
)


class Checkpointer:
    """A daemon thread with a connection of its own, running passive checkpoints (they never
    wait for a lock, nor make anyone wait) after every `COMMITS_PER_CHECKPOINT` commits."""

    def __init__(self, engine: Engine, path: str) -> None:
        self.path = path
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._commits = 0
        event.listen(engine, "connect", _defer_checkpoints)
        event.listen(engine, "commit", self._committed)
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def _committed(self, _conn: Any) -> None:
        self._commits += 1  # a lost increment under a race only delays a wake-up
        if self._commits >= COMMITS_PER_CHECKPOINT:
            self._commits = 0
            self._wake.set()

    def _run(self) -> None:
        with _IN_SQLITE:
            conn = sqlite3.connect(self.path, timeout=0, check_same_thread=False)
        try:
            while not self._stop.is_set():
                self._wake.wait(MAX_INTERVAL_SECONDS)
                self._wake.clear()
                # Busy or gone: the next round, or the backstop, does it.
                with _IN_SQLITE, contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            with _IN_SQLITE:
                conn.close()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)


def _defer_checkpoints(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
