"""Reminders: 3 and 1 days before a due date, then 1, 3 and 7 days past due, each recorded once
per (loan, kind, date) even when the date is run again; zh-CN by default, en when configured; the
log shows only a masked phone; the webhook posts JSON to a local server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import structlog

from fengkong.lending.eod import run_business_date
from fengkong.lending.reminders import LogChannel, WebhookChannel, reminders_for
from fengkong.lending.servicing import ReminderMessage, ServicingConfig
from fengkong.lending.servicing_steps import servicing_steps
from lending.test_collections_support import (
    Recorder,
    disbursed_loan,
    first_due,
    live,
    servicing,
)
from lending.test_service_support import migrated, new_clock


def test_schedule_and_once_per_date(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    channel = Recorder()
    svc = servicing(db, clock, channel=channel)
    loan_id = disbursed_loan(db, clock, svc)
    due = first_due(db, loan_id)
    live(svc, clock, due - timedelta(days=4), due + timedelta(days=8))
    kinds = [k for s, k in channel.kinds() if s == loan_id]
    assert kinds == ["due_soon:3", "due_soon:1", "overdue:1", "overdue:3", "overdue:7"]
    assert "到期" in channel.sent[0].text and loan_id in channel.sent[0].text
    run_business_date(due + timedelta(days=1), svc.lending, steps=servicing_steps(svc))
    assert len(channel.sent) == 5
    stored = reminders_for(loan_id, svc)
    assert [r.status for r in stored] == ["sent"] * 5
    assert stored[2].business_date == due + timedelta(days=1)


def test_english_text_and_masked_log() -> None:
    from fengkong.lending.reminders import render

    text = render("overdue", "en", {"loan_id": "L1", "dpd": 3, "amount": 12345}, "Fengkong")
    assert text.startswith("Fengkong: loan L1 is 3 days past due with CNY 123.45")
    assert ServicingConfig(language="en").language == "en"
    with structlog.testing.capture_logs() as logs:
        LogChannel().send(
            ReminderMessage(
                "r1", "loan", "L1", "overdue:3", "en", text, "138****5678", "13812345678"
            )
        )
    assert logs[0]["phone"] == "138****5678"
    assert "13812345678" not in json.dumps(logs, ensure_ascii=False)


@pytest.fixture
def server() -> Iterator[tuple[str, list[dict[str, object]]]]:
    received: list[dict[str, object]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(
                {"key": self.headers["Idempotency-Key"], **json.loads(self.rfile.read(length))}
            )
            self.send_response(500 if len(received) == 2 else 204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hooks/reminders", received
    httpd.shutdown()
    httpd.server_close()


def test_webhook_posts_json(server: tuple[str, list[dict[str, object]]]) -> None:
    url, received = server
    channel = WebhookChannel(url)
    message = ReminderMessage(
        "r1", "loan", "L1", "due_soon:3", "zh-CN", "提醒", "138****5678", "13812345678"
    )
    assert channel.send(message).delivered
    assert received[0]["key"] == "r1" and received[0]["phone_masked"] == "138****5678"
    assert "phone" not in received[0]
    failed = channel.send(message)
    assert not failed.delivered and failed.error == "HTTP 500"
    assert WebhookChannel(url, include_phone=True).send(message).delivered
    assert received[2]["phone"] == "13812345678"
