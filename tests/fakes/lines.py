"""In-memory twin of `db/lending_lines.py`: credit lines saved against their revision
(`StaleLoan` otherwise) and their draws, each idempotency key unique."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from fakes.loans import unique
from fakes.tables import Tables
from fengkong.lending.behaviour import BehaviourScore
from fengkong.lending.errors import DuplicateKey, StaleLoan
from fengkong.lending.records import DrawRecord, LineRecord


class MemoryCreditLines:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def add_line(self, record: LineRecord, now: datetime) -> None:
        line_id = record.line.line_id
        key = f"credit_lines.idempotency_key:{record.idempotency_key}"
        if line_id in self.tables.lines or key in self.tables.lending_keys:
            raise DuplicateKey(f"idempotency key {record.idempotency_key!r} is taken")
        unique(self.tables, "credit_lines.idempotency_key", record.idempotency_key, line_id)
        self.tables.lines[line_id] = record

    def get_line(self, line_id: str) -> LineRecord | None:
        return self.tables.lines.get(line_id)

    def lock_line(self, line_id: str) -> LineRecord | None:
        """No lock here: the loser of a race fails at commit and the use case retries."""
        return self.get_line(line_id)

    def line_by_key(self, key: str) -> LineRecord | None:
        line_id = self.tables.lending_keys.get(f"credit_lines.idempotency_key:{key}")
        return None if line_id is None else self.tables.lines[line_id]

    def save_line(self, record: LineRecord, now: datetime) -> LineRecord:
        """Write the line if the row is still at `record.revision`; else `StaleLoan`. How it was
        opened (key, request, application) never changes."""
        line_id = record.line.line_id
        stored = self.tables.lines.get(line_id)
        if stored is None or stored.revision != record.revision:
            raise StaleLoan(f"credit line {line_id} changed since it was read; retry")
        self.tables.lines[line_id] = replace(stored, line=record.line, revision=record.revision + 1)
        return replace(record, revision=record.revision + 1)

    def add_draw(self, record: DrawRecord, now: datetime) -> None:
        key = f"line_draws.idempotency_key:{record.idempotency_key}"
        if record.loan_id in self.tables.draws or key in self.tables.lending_keys:
            raise DuplicateKey(f"idempotency key {record.idempotency_key!r} is taken")
        unique(self.tables, "line_draws.idempotency_key", record.idempotency_key, record.loan_id)
        self.tables.draws[record.loan_id] = record

    def behaviour_score_of_line(self, line_id: str) -> BehaviourScore | None:
        return self.tables.line_scores.get(line_id)

    def draw_by_key(self, key: str) -> DrawRecord | None:
        loan_id = self.tables.lending_keys.get(f"line_draws.idempotency_key:{key}")
        return None if loan_id is None else self.tables.draws[loan_id]
