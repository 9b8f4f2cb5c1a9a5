"""`lending.ports.LineStore`: a credit line and a draw are found by their idempotency key and
stored once per key; a line's save is checked against the revision it read (`StaleLoan`
otherwise) and never changes how the line was opened."""

from __future__ import annotations

from dataclasses import replace

import pytest

from contracts.conftest import Backend
from contracts.lending_rows import drawn, line
from contracts.rows import at
from fengkong.lending.errors import DuplicateKey, StaleLoan
from fengkong.lending.line import freeze


def test_a_line_reads_back_by_id_and_by_key(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.lending.add_line(line("line_1"), at(0))
        uow.commit()
    with backend.uow() as uow:
        assert uow.lending.get_line("line_1") == line("line_1")
        assert uow.lending.line_by_key("open:line_1") == line("line_1")
        assert uow.lending.get_line("line_9") is None
        assert uow.lending.line_by_key("open:line_9") is None


@pytest.mark.parametrize("clash", ["id", "key"])
def test_a_line_is_opened_once(backend: Backend, clash: str) -> None:
    with backend.uow() as uow:
        uow.lending.add_line(line("line_1"), at(0))
        uow.commit()
    again = line("line_1", idempotency_key="open:2") if clash == "id" else line("line_2")
    if clash == "key":
        again = replace(again, idempotency_key="open:line_1")
    with backend.uow() as uow, pytest.raises(DuplicateKey):
        uow.lending.add_line(again, at(1))


def test_a_line_is_saved_against_its_revision(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.lending.add_line(line("line_1"), at(0))
        uow.commit()
    with backend.uow() as uow:
        read = uow.lending.get_line("line_1")
        frozen = replace(
            read, line=freeze(read.line, "DPD 31", read.line.history[0].on), application_id="x"
        )
        saved = uow.lending.save_line(frozen, at(1))
        assert saved == replace(frozen, revision=1)
        with pytest.raises(StaleLoan):
            uow.lending.save_line(frozen, at(1))
        uow.commit()
    with backend.uow() as uow:
        assert uow.lending.get_line("line_1") == replace(saved, application_id="app_line_1")
        assert uow.lending.line_by_key("open:line_1").revision == 1


def test_a_draw_is_found_by_key_and_booked_once(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.lending.add_line(line("line_1"), at(0))
        uow.lending.add_draw(drawn("draw_1"), at(0))
        uow.commit()
    with backend.uow() as uow:
        assert uow.lending.draw_by_key("draw:draw_1") == drawn("draw_1")
        assert uow.lending.draw_by_key("draw:draw_9") is None
    for clash in (
        drawn("draw_1", idempotency_key="draw:2"),
        drawn("draw_2", idempotency_key="draw:draw_1"),
    ):
        with backend.uow() as uow, pytest.raises(DuplicateKey):
            uow.lending.add_draw(clash, at(1))
