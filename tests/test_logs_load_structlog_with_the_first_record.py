"""Configuring the logs does not load structlog: a command that writes no record never pays for
it. The first record written (through a domain logger, `core.log.get_logger`, or the standard
library's) loads it and comes out exactly as it would had structlog been loaded from the start,
on the console and as JSON. Each case runs in a fresh interpreter."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import fengkong

SRC = str(Path(fengkong.__file__).resolve().parents[1])

RUN = """
import logging, sys
{preload}
from fengkong.logs import configure_logging
configure_logging({fmt!r}, "INFO")
print("LOADED=" + str("structlog" in sys.modules), flush=True)
from fengkong.core.log import get_logger
get_logger("fengkong.decision").warning("links.mark_outcome_failed", application_id="app_1")
logging.getLogger("alembic").warning("a library's own record")
get_logger("fengkong.reminders").info("reminder.sent", kind="due_soon")
logging.getLogger("fengkong.quiet").debug("below the level")
"""


def run(fmt: str, preload: str = "") -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", RUN.format(fmt=fmt, preload=preload)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr


def without_times(text: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", "<time>", text)


@pytest.mark.parametrize("fmt", ["console", "json"])
def test_records_come_out_as_if_structlog_had_been_loaded_first(fmt: str) -> None:
    deferred_out, deferred = run(fmt)
    eager_out, eager = run(fmt, preload="import structlog")
    assert "LOADED=False" in deferred_out  # configuring alone did not load it
    assert "LOADED=True" in eager_out
    assert without_times(deferred) == without_times(eager)
    assert len(deferred.splitlines()) == 3


def test_json_lines_carry_the_event_level_and_logger() -> None:
    _, err = run("json")
    first, library, third = (json.loads(line) for line in err.splitlines())
    assert first["event"] == "links.mark_outcome_failed"
    assert first["application_id"] == "app_1"
    assert (first["level"], first["logger"]) == ("warning", "fengkong.decision")
    assert (library["event"], library["logger"]) == ("a library's own record", "alembic")
    assert (third["kind"], third["level"]) == ("due_soon", "info")


def test_a_configuration_made_meanwhile_is_kept() -> None:
    """A configuration given to structlog after the logs were set up (a test capturing records)
    is not overwritten by the pending one when the first record is written."""
    code = (
        "from fengkong.logs import configure_logging\n"
        "configure_logging('console', 'INFO')\n"
        "import structlog\n"
        "from fengkong.core.log import get_logger\n"
        "with structlog.testing.capture_logs() as logs:\n"
        "    get_logger('fengkong.decision').warning('captured', n=1)\n"
        "assert logs == [{'n': 1, 'event': 'captured', 'log_level': 'warning'}], logs\n"
        "print('OK')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC},
        timeout=120,
    )
    assert "OK" in done.stdout, done.stderr
