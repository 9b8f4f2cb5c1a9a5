"""A command that fails unexpectedly (here: its database cannot be reached) after being given an
ID number, a phone and a name prints a traceback, as text or beside the `--json` error document,
that holds none of them: no local variables, no arguments."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pii_scan import report, scan_text

NAME, ID, PHONE = "欧阳明远", "110105199003071239", "13800138000"


@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_a_crash_after_personal_data_prints_none_of_it(tmp_path: Path, extra: list[str]) -> None:
    env = {
        **os.environ,
        "FENGKONG_HOME": str(tmp_path / "home"),
        "FENGKONG_CONFIG": str(tmp_path / "absent.toml"),
        # nothing listens on port 1: connecting fails, which no command expects
        "FENGKONG_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
        "COLUMNS": "200",
        # a key to authenticate with: looking it up is what meets the unreachable database
        "FENGKONG_API_KEY": "fkk_not_checked_before_the_crash",
    }
    env.pop("FENGKONG_SESSION", None)
    args = ["servicing", "guarantor-add", "--name", NAME, "--id-number", ID, "--phone", PHONE]
    done = subprocess.run(
        [sys.executable, "-c", "from fengkong.cli import app; app()", *args, *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0 and "OperationalError" in output  # it did crash
    leaks = scan_text(output, "output", [NAME])
    assert leaks == [], report(leaks)
