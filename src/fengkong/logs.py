"""Structured logs (structlog) on stderr: readable on a console, JSON lines under `serve`. Records
from the standard library (uvicorn, alembic) go through the same renderer, but for uvicorn's
access lines: the app logs each request once itself.

structlog is loaded with the first record, not here: a command that writes none (a decision on
the command line, usually) does not pay for it. Its configuration waits in
`core.log.configure_when_loaded`, the renderer in the handler's formatter."""

from __future__ import annotations

import logging
import sys
import threading
from typing import TYPE_CHECKING, Any

from fengkong.core.log import configure_when_loaded

if TYPE_CHECKING:
    from structlog.types import Processor


def _shared() -> list[Processor]:
    import structlog

    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def _orjson_text(event: Any, **options: Any) -> str:
    """A JSON log line by orjson (the renderer's `default` for what JSON has no type for): every
    request writes one, so the encoder's speed shows."""
    import orjson

    return orjson.dumps(event, default=options.get("default")).decode()


def _formatter(fmt: str) -> logging.Formatter:
    import structlog

    renderer: Processor = (
        structlog.processors.JSONRenderer(serializer=_orjson_text)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )


class _RenderOnFirstRecord(logging.Formatter):
    """structlog's formatter for `fmt`, built when the first record is formatted."""

    def __init__(self, fmt: str) -> None:
        super().__init__()
        self._fmt_name = fmt
        self._built: logging.Formatter | None = None
        self._building = threading.Lock()

    def format(self, record: logging.LogRecord) -> str:
        built = self._built
        if built is None:
            with self._building:
                if self._built is None:
                    self._built = _formatter(self._fmt_name)
                built = self._built
        return built.format(record)


def _configure_structlog() -> None:
    import structlog

    structlog.configure(
        processors=[*_shared(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def configure_logging(fmt: str = "console", level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    loaded = "structlog" in sys.modules
    handler.setFormatter(_formatter(fmt) if loaded else _RenderOnFirstRecord(fmt))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # The app writes one access line per request itself (`api.metrics.MeasureRequests`), with the
    # route template and the request id; uvicorn's own line would repeat it without them. This
    # runs again in each worker after uvicorn set its loggers up (`api.main.build`), so it must
    # keep the access logger silent itself, whatever uvicorn was told.
    access = logging.getLogger("uvicorn.access")
    access.handlers[:] = [logging.NullHandler()]
    access.propagate = False
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migration chatter is not news
    configure_when_loaded(_configure_structlog)
