"""SQLite's WAL checkpoints, in the background. Left to SQLite, the commit that takes the log past
its threshold copies the log into the database file and syncs both while its caller waits: now
and then one decision would wait for the copy on behalf of all the others."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Commits between checkpoints, and the longest a first commit waits for one: the log stays a few
# megabytes long.
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


class _Signals:
    """What the checkpointer and its thread share; the thread holds only this, never the
    checkpointer, so that a database dropped without `dispose()` still lets its thread end."""

    def __init__(self) -> None:
        self.wake = threading.Event()
        self.stop = threading.Event()
        self.commits = 0


def _checkpoints(path: str, signals: _Signals) -> None:
    """The thread's loop: asleep until a commit, then a checkpoint once `COMMITS_PER_CHECKPOINT`
    commits have come or `MAX_INTERVAL_SECONDS` have passed since the first; idle, it never wakes
    (a process with many databases open, a test run, is not woken once a second by each)."""
    with _IN_SQLITE:
        conn = sqlite3.connect(path, timeout=0, check_same_thread=False)
    try:
        while not signals.stop.is_set():
            signals.wake.wait()
            signals.wake.clear()
            if signals.stop.is_set():
                break
            if signals.commits < COMMITS_PER_CHECKPOINT:
                signals.wake.wait(MAX_INTERVAL_SECONDS)  # let a burst of commits gather
                signals.wake.clear()
            signals.commits = 0
            # Busy or gone: the next round, or the backstop, does it.
            with _IN_SQLITE, contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    finally:
        with _IN_SQLITE:
            conn.close()


def _stop(signals: _Signals) -> None:
    signals.stop.set()
    signals.wake.set()


class Checkpointer:
    """A daemon thread with a connection of its own, running passive checkpoints (they never
    wait for a lock, nor make anyone wait) after every `COMMITS_PER_CHECKPOINT` commits, or
    `MAX_INTERVAL_SECONDS` after the first of fewer. It stops with `stop()`, or when the
    checkpointer is garbage (its database dropped without being disposed of)."""

    def __init__(self, engine: Engine, path: str) -> None:
        self.path = path
        self._signals = _Signals()
        event.listen(engine, "connect", _defer_checkpoints)
        event.listen(engine, "commit", self._committed)
        self._thread = threading.Thread(
            target=_checkpoints, args=(path, self._signals), name="sqlite-checkpoint", daemon=True
        )
        self._thread.start()
        weakref.finalize(self, _stop, self._signals)

    def _committed(self, _conn: Any) -> None:
        signals = self._signals
        signals.commits += 1  # a lost increment under a race only delays a checkpoint
        if signals.commits == 1 or signals.commits >= COMMITS_PER_CHECKPOINT:
            signals.wake.set()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        _stop(self._signals)
        self._thread.join(timeout=5)


def _defer_checkpoints(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
