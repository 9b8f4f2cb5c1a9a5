"""Money operations racing on one PostgreSQL database through two server processes: 200
repayments on two loans (100 idempotency keys, each sent twice, once to each server), draws on
two credit lines and repayments of their draws, all at once and never retried by the client.

Every key is applied exactly once and both of its requests get the same answer (the repeat is
replayed from the first's stored response, waiting for it if it is still running); nothing is
refused (no 409: no request here conflicts with another) and nothing fails (no 5xx); every
journal entry balances and every balance is what the requests add up to, to the fen."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from fakes.access import bearer
from fengkong.core.money import Fen, format_fen
from fengkong.db.database import Database
from fengkong.db.uow import SqlUnitOfWork
from fengkong.ledger.accounts import AccountKey
from fengkong.lending.credit_lines import draw, open_line
from fengkong.lending.disbursement import disburse
from fengkong.lending.origination import accept_offer
from lending.test_service_support import (
    assert_books_balance,
    lending_services,
    migrated,
    new_clock,
    seed_approved,
)

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
LOANS, KEYS_PER_LOAN = 2, 50  # 100 keys, 200 requests
LINES, DRAWS_PER_LINE, LINE_REPAYMENTS_PER_LINE = 2, 8, 15
AUTH = bearer("fks_all")
UNAPPLIED = "224101"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Call:
    """One request, sent twice (once to each server) under one idempotency key."""

    key: str
    path: str
    body: dict[str, Any]


@pytest.fixture
def servers(postgres_url: str, tmp_path: Path) -> Iterator[list[str]]:
    """Two uvicorn processes serving the API on one database (migrated here first)."""
    migrated(postgres_url).dispose()
    processes: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for n in range(2):
            port = _free_port()
            env = {
                **os.environ,
                "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "tests")]),
                "FENGKONG_ENV": "test",
                "FENGKONG_HOME": str(tmp_path / f"home{n}"),
                "FENGKONG_DATABASE_URL": postgres_url,
                "FENGKONG_TEST_NOW": new_clock().now().isoformat(),
                # Every request gets its turn however loaded the machine is: admission control
                # sheds by time waited (tests/api/test_admission_…); this test is about races.
                "FENGKONG_API_MAX_WAIT_MS": "120000",
                "FENGKONG_API_MAX_WAITING": "100000",
            }
            log = (tmp_path / f"server{n}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "uvicorn", "--factory", "fakes.app_factory:build",
                     "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                    env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
                )
            )  # fmt: skip
            urls.append(f"http://127.0.0.1:{port}")
        for url, process in zip(urls, processes, strict=True):
            _wait_until_up(url, process, tmp_path)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], logs: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            text = "\n".join(p.read_text() for p in sorted(logs.glob("server*.log")))
            pytest.fail(f"a server exited ({process.returncode}):\n{text}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} did not start in 60 s")


def _seed(db: Database) -> tuple[list[str], list[tuple[str, str]]]:
    """Two running loans, and two lines each with one draw paid out: (loans, [(line, draw)])."""
    clock = new_clock()
    svc = lending_services(db, clock)
    loans = []
    for n in range(LOANS):
        loan_id = accept_offer(seed_approved(db, clock), f"accept-{n}", svc).record.loan_id
        disburse(loan_id, f"pay-{n}", svc)
        loans.append(loan_id)
    lines = []
    for n in range(LINES):
        line = open_line(5_000_000, Decimal("0.18"), f"line-{n}", svc)
        drawn = draw(line.line_id, 100_000, 3, f"first-draw-{n}", svc)
        lines.append((line.line_id, drawn.loan.record.loan_id))
    return loans, lines


def _yuan(fen: int) -> str:
    return format_fen(Fen(fen), symbol=False).replace(",", "")


async def _fire(
    urls: list[str], calls: list[Call]
) -> list[tuple[Call, httpx.Response, httpx.Response]]:
    """Both requests of every call at once, the first to one server and the repeat to the
    other (alternating which goes first), with no retry."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:

        async def send(base: str, call: Call) -> httpx.Response:
            headers = {**AUTH, "Idempotency-Key": call.key}
            return await client.post(f"{base}{call.path}", json=call.body, headers=headers)

        pairs = []
        for n, call in enumerate(calls):
            a, b = (urls[0], urls[1]) if n % 2 == 0 else (urls[1], urls[0])
            pairs.append(asyncio.gather(send(a, call), send(b, call)))
        answers = await asyncio.gather(*pairs)
    return [(call, first, second) for call, (first, second) in zip(calls, answers, strict=True)]


def test_two_servers_apply_each_money_request_once(servers: list[str], postgres_url: str) -> None:
    db = Database(postgres_url)
    try:
        loans, lines = _seed(db)
        repayments = [
            Call(f"repay-{loan}-{k}", f"/v1/loans/{loan}/repayments", {"amount": _yuan(100 + k)})
            for loan in loans
            for k in range(KEYS_PER_LOAN)
        ]
        draws = [
            Call(f"draw-{line}-{k}", f"/v1/lines/{line}/draws",
                 {"amount": _yuan(10_000 + 100 * k), "terms": 3})
            for line, _ in lines
            for k in range(DRAWS_PER_LINE)
        ]  # fmt: skip
        line_repayments = [
            Call(f"line-repay-{line}-{k}", f"/v1/lines/{line}/repayments",
                 {"draw_id": first_draw, "amount": _yuan(200 + k)})
            for line, first_draw in lines
            for k in range(LINE_REPAYMENTS_PER_LINE)
        ]  # fmt: skip
        calls = [*repayments, *draws, *line_repayments]
        answered = asyncio.run(_fire(servers, calls))

        statuses = sorted({r.status_code for _, first, second in answered for r in (first, second)})
        assert statuses == [201], [
            (call.key, first.status_code, first.text, second.status_code, second.text)
            for call, first, second in answered
            if first.status_code != 201 or second.status_code != 201
        ][:5]
        for call, first, second in answered:
            assert first.json() == second.json(), call.key  # the repeat got the first's answer
            # One of the two ran, the other was answered from its stored response.
            replayed = [r.headers.get("Idempotent-Replayed") for r in (first, second)]
            assert sorted(map(str, replayed)) == ["None", "true"], (call.key, replayed)

        with SqlUnitOfWork(db) as uow:
            # Each key applied exactly once, with the amount its request carried.
            for loan in loans:
                record = uow.lending.get_loan(loan)
                assert record is not None
                paid = [r for r in repayments if r.path == f"/v1/loans/{loan}/repayments"]
                assert len(record.state.repayments) == len(paid)
                expected = sum(100 + k for k in range(KEYS_PER_LOAN))
                assert record.state.unapplied_credit == expected
                assert uow.journal.balances(loan)[AccountKey(UNAPPLIED, loan)] == expected
            for line_id, first_draw in lines:
                line = uow.lending.get_line(line_id)
                assert line is not None
                drawn = [100_000] + [10_000 + 100 * k for k in range(DRAWS_PER_LINE)]
                assert len(line.line.draws) == len(drawn)
                assert sum(d.principal_outstanding for d in line.line.draws) == sum(drawn)
                assert line.line.available == 5_000_000 - sum(drawn)
                repaid = uow.lending.get_loan(first_draw)
                assert repaid is not None
                assert len(repaid.state.repayments) == LINE_REPAYMENTS_PER_LINE
                expected = sum(200 + k for k in range(LINE_REPAYMENTS_PER_LINE))
                assert repaid.state.unapplied_credit == expected
        draw_loans = {
            first.json()["loan"]["loan_id"] for call, first, _ in answered if call in draws
        }
        assert len(draw_loans) == len(draws)  # one loan per draw key, however often it came
        assert_books_balance(db)  # every entry balanced, every balance its postings' sum
    finally:
        db.dispose()
