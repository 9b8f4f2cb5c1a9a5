"""JSON answers a route builds itself, as FastAPI would serialise its response model."""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def json_answer(model: BaseModel, status_code: int = 200) -> Response:
    """`model` as JSON (Pydantic's own encoder, by alias, as FastAPI writes a response model)."""
    return Response(
        model.model_dump_json(by_alias=True),
        status_code=status_code,
        media_type="application/json",
    )
