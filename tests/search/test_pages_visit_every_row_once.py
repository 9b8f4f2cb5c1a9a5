"""Cursor pages visit every row exactly once, in the sort asked for (ties broken by id), also
when rows are added between pages; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from factories import body
from fakes.api import api_client
from fengkong.bootstrap import Context
from search.book import seed_book

LISTS: dict[str, tuple[str, dict[str, Callable[[dict[str, Any]], Any]]]] = {
    "/v1/applications": (
        "id",
        {"received_at": lambda r: r["received_at"], "amount": lambda r: float(r["amount"])},
    ),
    "/v1/decisions": (
        "id",
        {"decided_at": lambda r: r["decided_at"], "score": lambda r: r["score"]},
    ),
    "/v1/loans": (
        "loan_id",
        {
            "booked_on": lambda r: r["booked_on"],
            "days_past_due": lambda r: r["days_past_due"],
            "principal_outstanding": lambda r: float(r["principal_outstanding"]),
            "amount": lambda r: float(r["amount"]),
        },
    ),
    "/v1/lines": (
        "line_id",
        {"opened_at": lambda r: r["opened_at"], "limit": lambda r: float(r["limit"])},
    ),
    "/v1/customers": (
        "customer_id",
        {
            "last_applied_at": lambda r: r["last_applied_at"],
            "first_applied_at": lambda r: r["first_applied_at"],
        },
    ),
}


def walk(client: TestClient, path: str, sort: str, limit: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        params: dict[str, Any] = {"sort": sort, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = client.get(path, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        rows.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return rows
    raise AssertionError("the pages never ended")


def test_every_list_every_sort_pages_through_every_row_once(context: Context) -> None:
    seed_book(context)
    with api_client(context) as client:
        for path, (key, sorts) in LISTS.items():
            everything = walk(client, path, next(iter(sorts)), 500)
            assert len(everything) >= 2, path
            expected = sorted(r[key] for r in everything)
            # customers page on the blind index, which the id carries after its prefix
            for name, value in sorts.items():
                for descending in (False, True):
                    sort = ("-" if descending else "") + name
                    for limit in (1, 2):
                        rows = walk(client, path, sort, limit)
                        seen = [r[key] for r in rows]
                        assert sorted(seen) == expected, (path, sort, limit)
                        assert len(set(seen)) == len(seen), (path, sort, limit)
                        order = [(value(r), r[key]) for r in rows]
                        assert order == sorted(order, reverse=descending), (path, sort, limit)


def test_rows_added_between_pages_shift_nothing(context: Context) -> None:
    seed_book(context)
    with api_client(context) as client:
        for sort in ("-received_at", "received_at", "amount"):
            before = {r["id"] for r in walk(client, "/v1/applications", sort, 500)}
            seen: list[str] = []
            cursor = None
            while True:
                params: dict[str, Any] = {"sort": sort, "limit": 2}
                if cursor:
                    params["cursor"] = cursor
                page = client.get("/v1/applications", params=params).json()
                seen.extend(r["id"] for r in page["items"])
                # a new application arrives while the officer reads
                added = client.post("/v1/applications", json=body(amount="1234.00"))
                assert added.status_code == 201, added.text
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            originals = [s for s in seen if s in before]
            assert sorted(originals) == sorted(before), sort
            assert len(set(seen)) == len(seen), sort
