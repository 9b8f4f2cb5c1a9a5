"""Hostile input at the HTTP edge gets a problem+json 4xx, never a 5xx, and stores nothing: bodies
too large (declared or streamed), JSON nested 100,000 deep, NaN and Infinity, amounts negative,
huge or with three decimals, bytes that are not UTF-8, control characters in any string, dates in
year 0 or 9999; and SQL or template metacharacters are stored and returned as they came."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from httpx import Response

from factories import body
from fakes.api import api_client
from fengkong.bootstrap import Context

ID_NUMBER = "110105199003071239"
METACHARACTERS = ("'; DROP TABLE loans;--", "{{7*7}}", "<script>alert(1)</script>", "${7*7}")


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


def _count(context: Context, table: str) -> int:
    with context.db.engine.connect() as conn:
        return int(conn.execute(sa.text(f"select count(*) from {table}")).scalar_one())


def _problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    doc: dict[str, Any] = response.json()
    assert doc["status"] == status and doc["type"] and doc["title"]
    return doc


def test_a_50_mb_body_is_refused_before_it_is_read(client: TestClient, context: Context) -> None:
    huge = b'{"amount": "' + b"1" * (50 * 1024 * 1024) + b'"}'
    doc = _problem(
        client.post("/v1/applications", content=huge, headers={"content-type": "application/json"}),
        413,
    )
    assert doc["limit"] == context.settings.api_max_body_bytes
    assert _count(context, "applications") == 0


def test_a_streamed_body_is_cut_off_at_the_limit(client: TestClient, context: Context) -> None:
    chunks = (b" " * 65_536 for _ in range(40))  # 2.5 MiB, no Content-Length: chunked
    response = client.post(
        "/v1/applications", content=chunks, headers={"content-type": "application/json"}
    )
    _problem(response, 413)
    assert _count(context, "applications") == 0


def test_a_body_within_the_limit_still_works(client: TestClient) -> None:
    padded = json.dumps(body()) + " " * 500_000
    response = client.post(
        "/v1/applications", content=padded, headers={"content-type": "application/json"}
    )
    assert response.status_code == 201, response.text


def test_json_nested_100000_deep_is_malformed(client: TestClient) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    response = client.post(
        "/v1/applications", content=deep, headers={"content-type": "application/json"}
    )
    _problem(response, 400)


def test_bytes_that_are_not_utf8_are_malformed(client: TestClient, context: Context) -> None:
    raw = json.dumps(body(), ensure_ascii=False).encode().replace("张三".encode(), b"\xff\xfe\xc3")
    response = client.post(
        "/v1/applications", content=raw, headers={"content-type": "application/json"}
    )
    _problem(response, 400)
    assert _count(context, "applications") == 0


@pytest.mark.parametrize(
    "raw",
    [
        '"amount": NaN',
        '"amount": Infinity',
        '"amount": "NaN"',
        '"amount": "-Infinity"',
        '"monthly_income": NaN',
        '"amount": "sNaN"',
    ],
)
def test_nan_and_infinity_are_refused(client: TestClient, raw: str) -> None:
    text = json.dumps(body())
    key = raw.split(":")[0]
    start = text.index(key)
    end = text.index(",", start)
    response = client.post(
        "/v1/applications",
        content=text[:start] + raw + text[end:],
        headers={"content-type": "application/json"},
    )
    _problem(response, 422)


@pytest.mark.parametrize(
    "amount", ["-5000.00", "0", "0.00", "5000.005", "999999999999.99", "1e12", "10000000000.00"]
)
def test_amounts_out_of_bounds_are_refused_not_rounded(
    client: TestClient, context: Context, amount: str
) -> None:
    doc = _problem(client.post("/v1/applications", json=body(amount=amount)), 422)
    assert any(e["loc"][-1] == "amount" for e in doc["errors"])
    assert _count(context, "applications") == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("applicant__name", "张\x00三"),
        ("applicant__name", "张三\x07"),
        ("applicant__phone", "13800138000\x00"),
        ("purpose", "radio/television\x1b"),
        ("product", "cash_loan\x7f"),
        ("applicant__name", "张\ud800三"),
    ],
)
def test_control_characters_in_any_string_are_refused(
    client: TestClient, context: Context, field: str, value: str
) -> None:
    escaped = json.dumps(body(**{field: value}))  # a lone surrogate only travels escaped
    response = client.post(
        "/v1/applications", content=escaped, headers={"content-type": "application/json"}
    )
    doc = _problem(response, 422)
    # Pydantic itself refuses a lone surrogate (string_unicode); the rest is `InputModel`'s.
    assert any(e["type"] in ("control_character", "string_unicode") for e in doc["errors"])
    assert _count(context, "applications") == 0


def test_control_characters_in_nested_lists_and_the_query_are_refused(client: TestClient) -> None:
    consent = {"purpose": "credit_bureau", "scope": "bureau\x00", "text_version": "cb-2026-01"}
    _problem(client.post("/v1/applications", json=body(consents=[consent])), 422)
    _problem(client.get("/v1/applications", params={"outcome": "approve\x00"}), 422)
    _problem(client.get("/v1/loans/lo%00an"), 422)


def test_a_tab_or_line_feed_in_free_text_is_kept(client: TestClient) -> None:
    created = client.post(
        "/v1/consents",
        json={
            "id_number": ID_NUMBER,
            "purpose": "credit_bureau",
            "scope": "bureau report\n\tfor this application",
            "text_version": "cb-2026-01",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["scope"] == "bureau report\n\tfor this application"


@pytest.mark.parametrize("granted_at", ["0000-01-01T00:00:00Z", "9999-12-31T00:00:00Z"])
def test_dates_out_of_range_are_refused(client: TestClient, granted_at: str) -> None:
    consent = {
        "id_number": ID_NUMBER,
        "purpose": "credit_bureau",
        "scope": "bureau",
        "text_version": "cb-2026-01",
        "granted_at": granted_at,
    }
    _problem(client.post("/v1/consents", json=consent), 422)


@pytest.mark.parametrize("text", METACHARACTERS)
def test_metacharacters_are_stored_and_returned_verbatim(client: TestClient, text: str) -> None:
    consent = {"id_number": ID_NUMBER, "purpose": "credit_bureau", "scope": text}
    created = client.post("/v1/consents", json={**consent, "text_version": text[:40]})
    assert created.status_code == 201, created.text
    assert created.json()["scope"] == text
    found = client.post("/v1/consents/search", json={"id_number": ID_NUMBER}).json()
    assert [c["scope"] for c in found["consents"]] == [text]
    assert [c["text_version"] for c in found["consents"]] == [text[:40]]


def _string_fields(doc: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _string_fields(value, (*path, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from _string_fields(value, (*path, str(i)))
    elif isinstance(doc, str):
        yield path


def _with(doc: Any, path: tuple[str, ...], value: str) -> Any:
    copy = json.loads(json.dumps(doc))
    target = copy
    for step in path[:-1]:
        target = target[int(step)] if isinstance(target, list) else target[step]
    last = path[-1]
    target[int(last) if isinstance(target, list) else last] = value
    return copy


def test_metacharacters_in_every_string_field_of_an_application(
    client: TestClient, context: Context
) -> None:
    """Each string field of the form, each metacharacter string: a decision or a field error
    (enumerated and checked fields refuse it), never a server error; the tables stay."""
    form = body(channel={"source": "app", "device_id": "dev-1"})
    paths = list(_string_fields(form))
    assert len(paths) >= 12
    for path in paths:
        for text in METACHARACTERS:
            response = client.post("/v1/applications", json=_with(form, path, text))
            assert response.status_code in (201, 422), (path, text, response.text)
            if response.status_code == 422:
                _problem(response, 422)
    device = client.post("/v1/applications", json=_with(form, ("channel", "device_id"), "{{7*7}}"))
    assert device.status_code == 201, device.text
    assert _count(context, "loans") == 0  # the table is still there
