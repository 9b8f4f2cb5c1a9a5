"""Typed dependencies: the routes ask for what they need, the app state supplies it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from fengkong.api.metrics import ApiMetrics
from fengkong.bootstrap import Context


def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx


def get_metrics(request: Request) -> ApiMetrics:
    metrics: ApiMetrics = request.app.state.metrics
    return metrics


ContextDep = Annotated[Context, Depends(get_context)]
MetricsDep = Annotated[ApiMetrics, Depends(get_metrics)]
