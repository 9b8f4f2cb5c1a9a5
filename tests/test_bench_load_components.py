"""The load bench's grouping of profiled CPU by component (`bench.load_profile`), and its
count of answers by kind (`bench.load_driver.Outcome.kinds`), on made-up figures."""

from __future__ import annotations

import importlib
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = "/venv/lib/python3.11/site-packages"
STDLIB = "/usr/lib/python3.11"


@pytest.fixture
def profile(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(ROOT))
    return importlib.import_module("bench.load_profile")


def test_functions_go_to_the_component_their_file_belongs_to(profile: ModuleType) -> None:
    assert profile.component("/repo/src/fengkong/api/metrics.py\tdispatch").startswith(
        "fengkong.api"
    )
    assert profile.component("/repo/src/fengkong/decision/policy.py\tevaluate").startswith(
        "fengkong.decision"
    )
    assert profile.component("/repo/src/fengkong/db/repos.py\tadd") == (
        "fengkong.db (repositories)"
    )
    assert profile.component("/repo/src/fengkong/onboarding/service.py\tsubmit") == (
        "fengkong, other packages"
    )
    assert profile.component(f"{SITE}/sqlalchemy/engine/base.py\t_execute_context") == (
        "sqlalchemy"
    )
    assert profile.component(f"{SITE}/uvicorn/protocols/http/h11_impl.py\thandle_events") == (
        profile.component(f"{STDLIB}/threading.py\twait")
    )
    assert profile.component(f"{STDLIB}/json/encoder.py\titerencode").startswith("json")
    assert profile.component(f"{STDLIB}/asyncio/base_events.py\t_run_once").startswith("uvicorn")
    assert profile.component(f"{STDLIB}/enum.py\t__get__") == profile.OTHER


def test_a_builtin_goes_by_its_own_name_else_to_its_caller(profile: ModuleType) -> None:
    execute = "~\t<method 'execute' of 'sqlite3.Cursor' objects>"
    assert profile.component(f"{execute}\t{SITE}/sqlalchemy/engine/default.py\tdo_execute") == (
        "psycopg, sqlite3 (database driver)"
    )
    check = "~\t<built-in method builtins.isinstance>"
    assert profile.component(f"{check}\t{SITE}/sqlalchemy/sql/elements.py\t_compile") == (
        "sqlalchemy"
    )
    assert profile.component(f"{check}\t{STDLIB}/enum.py\t__call__") == profile.OTHER


def test_shares_add_up_per_component_and_name_every_one(profile: ModuleType) -> None:
    seconds = {
        f"{SITE}/sqlalchemy/orm/session.py\tcommit": 0.3,
        f"{SITE}/sqlalchemy/engine/base.py\texecute": 0.1,
        "/repo/src/fengkong/scoring/scorecard.py\tscore": 0.4,
        "~\t<built-in method builtins.len>\t/repo/src/fengkong/scoring/bins.py\tbin_of": 0.1,
        f"{STDLIB}/enum.py\t__get__": 0.1,
        f"{STDLIB}/asyncio/events.py\t_run": -0.05,  # a rounding below zero counts as none
    }
    shares = profile.by_component(seconds)

    assert list(shares) == [name for name, _ in profile.COMPONENTS]
    assert shares["sqlalchemy"] == pytest.approx(0.4)
    assert shares["fengkong.scoring, lightgbm, optbinning (model)"] == pytest.approx(0.5)
    assert shares[profile.OTHER] == pytest.approx(0.1)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert profile.by_component({}) == {}


def test_snapshots_differ_by_what_ran_between_them(profile: ModuleType) -> None:
    before = {"a\tf": 1.0, "b\tg": 2.0}
    after = {"a\tf": 1.5, "b\tg": 2.0, "c\th": 0.25}
    assert profile.difference(after, before) == {"a\tf": 0.5, "b\tg": 0.0, "c\th": 0.25}


def test_answers_are_counted_by_kind_shed_apart_from_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    driver = importlib.import_module("bench.load_driver")
    outcome = driver.Outcome(
        statuses=Counter({"201": 40, "429": 3, "503": 5, "404": 1, "422": 2, "500": 1,
                          "timeout": 4, "transport": 1}),
        retry_after=Counter({"503": 5, "429": 1}),
    )  # fmt: skip

    assert outcome.ok == 40
    assert outcome.kinds() == {
        "429 + Retry-After": 1,
        "429 without Retry-After": 2,
        "503 + Retry-After": 5,
        "other 4xx": 3,
        "other 5xx": 1,
        "timeout": 4,
        "transport": 1,
    }
    shed = {k for k in outcome.kinds() if k in driver.SHED_KINDS}
    assert shed == {"429 + Retry-After", "429 without Retry-After", "503 + Retry-After"}


def test_the_section_names_the_options_it_ran_with(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    load = importlib.import_module("bench.load")
    report = importlib.import_module("bench.load_report")

    assert report.command(load.parse([])) == "python -m bench load"
    assert report.command(load.parse(["--workers", "2,4", "--profile", "--seconds", "2.5"])) == (
        "python -m bench load --seconds 2.5 --workers 2,4 --profile"
    )
