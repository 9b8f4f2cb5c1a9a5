"""Every figure an early-warning alert can watch — the portfolio rules' and the model watch's —
has a name the console translates, never its code (found on the browser tests' screenshots)."""

from __future__ import annotations

from fengkong.monitoring.alert_rules import METRICS
from fengkong.monitoring.model_watch import MODEL_RULES
from fengkong.web.pages.dashboard import METRIC_NAMES


def test_every_alert_figure_has_a_name() -> None:
    watched = set(METRICS) | {metric for _, metric, _ in MODEL_RULES.values()}
    assert watched - set(METRIC_NAMES) == set()
