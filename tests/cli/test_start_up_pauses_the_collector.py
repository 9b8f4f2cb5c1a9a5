"""A command's start-up (`cli.common.starting_up`) pauses the cyclic garbage collector while the
modules load and the wiring is built, and resumes it afterwards, also when start-up fails. The
first start-up in a process sets what it made aside (`gc.freeze`); later ones do not, so what
they leave behind is still collected. The collector is never turned on by a start-up that found
it off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import fengkong

SRC = str(Path(fengkong.__file__).resolve().parents[1])


def in_fresh_interpreter(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_paused_while_starting_and_resumed_after() -> None:
    out = in_fresh_interpreter(
        "import gc\n"
        "from fengkong.cli.common import starting_up\n"
        "with starting_up():\n"
        "    print('during', gc.isenabled())\n"
        "    with starting_up():\n"
        "        pass\n"
        "    print('after inner', gc.isenabled())\n"
        "print('after', gc.isenabled())\n"
        "try:\n"
        "    with starting_up():\n"
        "        raise ValueError('refused')\n"
        "except ValueError:\n"
        "    print('after failure', gc.isenabled())\n"
    )
    assert out.splitlines() == [
        "during False",
        "after inner False",
        "after True",
        "after failure True",
    ]


def test_only_the_first_start_up_freezes() -> None:
    out = in_fresh_interpreter(
        "import gc\n"
        "from fengkong.cli.common import starting_up\n"
        "with starting_up():\n"
        "    kept = [[i] for i in range(1000)]\n"
        "first = gc.get_freeze_count()\n"
        "with starting_up():\n"
        "    more = [[i] for i in range(1000)]\n"
        "print(first >= 1000, gc.get_freeze_count() == first)\n"
    )
    assert out.split() == ["True", "True"]


def test_a_collector_found_off_stays_off() -> None:
    out = in_fresh_interpreter(
        "import gc\n"
        "from fengkong.cli.common import starting_up\n"
        "gc.disable()\n"
        "with starting_up():\n"
        "    pass\n"
        "print(gc.isenabled(), gc.get_freeze_count())\n"
    )
    assert out.split() == ["False", "0"]
