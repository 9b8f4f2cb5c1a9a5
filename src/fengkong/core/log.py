"""Structured log records from the domain: `get_logger(name)` is a structlog logger looked up
when a record is written, so a command that writes none never loads structlog (nor the
traceback renderer it brings, with a syntax highlighter behind it).

The shells say how records are rendered (`fengkong.logs.configure_logging`); when structlog is
not loaded yet they hand the configuration to `configure_when_loaded`, and it is applied just
before the first record written here, unless structlog was configured meanwhile."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

# The shell's structlog configuration, not applied yet: structlog was not loaded when given.
_pending: list[Callable[[], None]] = []
_applying = threading.Lock()


def configure_when_loaded(configure: Callable[[], None]) -> None:
    """Run `configure` (it configures structlog) now if structlog is loaded, else just before
    the first record a `get_logger` logger writes. The latest configuration given wins."""
    _pending.clear()
    if "structlog" in sys.modules:
        configure()
    else:
        _pending.append(configure)


class Logger:
    """A structlog logger named `name`: `log.info("event", key=value)` as structlog's own. The
    configuration in force when a record is written applies (a test's `capture_logs` too)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, method: str) -> Any:
        if method.startswith("__"):  # copy, pickle and friends probe for these: not a method
            raise AttributeError(method)
        import structlog

        if _pending:
            with _applying:  # a second thread's record waits for the configuration
                if _pending and not structlog.is_configured():
                    _pending[-1]()
                _pending.clear()
        return getattr(structlog.get_logger(self.name), method)


def get_logger(name: str) -> Logger:
    return Logger(name)
