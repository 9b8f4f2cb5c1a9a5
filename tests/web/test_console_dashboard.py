"""The dashboard on a book with a loan paid out and end of day run: the headline figures and the
charts carry the snapshot's numbers, a segment narrows them, a bad date or segment is shown
beside its field in the person's language; an alert is acknowledged in place with a note (htmx
swaps the row), refused without one, and only by a risk manager."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fengkong.bootstrap import Context
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer
from fengkong.monitoring.early_warning import list_alerts
from lending.test_service_support import seed_approved
from web.conftest import as_staff, csrf_of

RULES = (
    "rules:\n"
    "  - {id: book_not_empty, metric: outstanding_fen, kind: level, side: above, threshold: 0}\n"
)


@pytest.fixture
def book(context: Context, tmp_path: Path) -> Context:
    """One loan of ¥5,000 paid out today, end of day run: a snapshot and an open alert."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    context.settings = context.settings.model_copy(update={"early_warning_rules_file": rules})
    application = seed_approved(context.db, context.clock, amount=500_000, vault=context.vault)  # type: ignore[arg-type]
    offer = accept_offer(application, "acc", context.lending)
    disburse(offer.record.loan_id, "pay", context.lending)
    run_end_of_day(context.clock.business_date(), context.lending, steps=context.eod_steps())
    return context


def chart(html: str, key: str) -> dict:
    found = re.search(
        rf'<script type="application/json" id="chart-{key}-option">(.*?)</script>', html
    )
    assert found, f"no {key} chart"
    return json.loads(found.group(1))


def test_the_dashboard_shows_the_snapshot(console: TestClient, book: Context) -> None:
    console.cookies.set("fengkong_lang", "en")
    page = as_staff(console, "fks_risk").get("/console/dashboard")
    assert page.status_code == 200
    assert '<strong data-figure="active_loans">1</strong>' in page.text
    assert '<strong data-figure="outstanding">CN¥5,000.00</strong>' in page.text
    today = book.clock.business_date().isoformat()
    trend = chart(page.text, "trend")
    assert trend["xAxis"]["data"] == [today]
    assert [s["data"] for s in trend["series"]] == [[0.0], [0.0], [0.0]]
    segments = chart(page.text, "segments")
    [product] = segments["xAxis"]["data"]
    assert segments["series"][0]["data"] == [5000.0]
    classes = chart(page.text, "classes")
    assert classes["series"][0]["data"][0] == {"name": "Normal", "value": 5000.0}

    narrowed = console.get(f"/console/dashboard?by=product&segment={product}&days=30")
    assert narrowed.status_code == 200 and f"Product: {product}" in narrowed.text
    assert chart(narrowed.text, "trend")["xAxis"]["data"] == [today]


def test_chinese_numbers_and_labels(console: TestClient, book: Context) -> None:
    console.cookies.set("fengkong_lang", "zh-CN")
    page = as_staff(console, "fks_auditor").get("/console/dashboard")
    assert "在贷余额" in page.text and "¥5,000.00" in page.text
    assert chart(page.text, "classes")["series"][0]["data"][0]["name"] == "正常"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("date=2020-01-01", "date", "Choose a date with a snapshot, from"),
        ("date=yesterday", "date", "Write the date as YYYY-MM-DD."),
        ("by=colour", "by", "Choose one of the listed dimensions."),
        ("days=7", "days", "Choose one of the listed spans."),
        ("segment=nowhere", "segment", "No such segment of that dimension on that date."),
    ],
)
def test_bad_choices_are_shown_beside_their_field(
    console: TestClient, book: Context, query: str, field: str, message: str
) -> None:
    console.cookies.set("fengkong_lang", "en")
    shown = as_staff(console, "fks_risk").get(f"/console/dashboard?{query}")
    assert shown.status_code == 422
    beside = re.search(rf'<small id="e-{field}" class="field-error">([^<]+)</small>', shown.text)
    assert beside and message in beside.group(1), shown.text[-3000:]


def test_no_snapshot_yet_is_said_not_refused(console: TestClient) -> None:
    console.cookies.set("fengkong_lang", "en")
    page = as_staff(console, "fks_risk").get("/console/dashboard")
    assert page.status_code == 200 and "No portfolio snapshot for that date yet" in page.text


def test_an_alert_is_acknowledged_in_place_with_a_note(console: TestClient, book: Context) -> None:
    console.cookies.set("fengkong_lang", "en")
    [alert] = list_alerts(book.early_warning, "open")
    path = f"/console/alerts/{alert.alert_id}/acknowledge"
    page = as_staff(console, "fks_auditor").get("/console/dashboard")
    assert f'id="alert-{alert.alert_id}"' in page.text
    htmx = {"HX-Request": "true", "X-CSRF-Token": csrf_of(page.text)}
    assert console.post(path, data={"note": "seen"}, headers=htmx).status_code == 403

    page = as_staff(console, "fks_risk").get("/console/dashboard")
    htmx = {"HX-Request": "true", "X-CSRF-Token": csrf_of(page.text)}
    empty = console.post(path, data={"note": "  "}, headers=htmx)
    assert empty.status_code == 422 and empty.text.lstrip().startswith("<tr")
    assert "Write a note of what was done or decided." in empty.text
    done = console.post(path, data={"note": "limits cut"}, headers=htmx)
    assert done.status_code == 200 and "Acknowledged by rita" in done.text
    assert "limits cut" in done.text
    [acknowledged] = list_alerts(book.early_warning, "acknowledged")
    assert acknowledged.note == "limits cut" and acknowledged.acknowledged_by == "user:rita"
    again = console.post(path, data={"note": "again"}, headers=htmx)
    assert again.status_code == 409
    assert console.get("/console/alerts?status=acknowledged").text.count("limits cut") == 1


def test_a_plain_form_acknowledges_and_goes_back(console: TestClient, book: Context) -> None:
    [alert] = list_alerts(book.early_warning, "open")
    page = as_staff(console, "fks_risk").get("/console/alerts")
    done = console.post(
        f"/console/alerts/{alert.alert_id}/acknowledge",
        data={"note": "watched", "csrf": csrf_of(page.text)},
    )
    assert done.status_code == 303 and done.headers["location"] == "/console/alerts?status=open"
    unknown = console.post(
        "/console/alerts/alr_nope/acknowledge", data={"note": "x", "csrf": csrf_of(page.text)}
    )
    assert unknown.status_code == 404
