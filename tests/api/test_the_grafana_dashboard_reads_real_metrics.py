"""`docs/grafana/fengkong-operations.json`, the operations team's dashboard: a Grafana dashboard
whose every query names metrics the API exports (as the app's registry declares them, and a scrape
shows them) and labels those metrics carry, over the Prometheus data source chosen in its
`DS_PROMETHEUS` variable."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.metrics import MetricWrapperBase

from fakes.access import bearer
from fengkong.api.app import create_app
from fengkong.api.metrics import ApiMetrics
from fengkong.bootstrap import Context

DASHBOARD = Path(__file__).parents[2] / "docs" / "grafana" / "fengkong-operations.json"
DATASOURCE = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}

# What Prometheus itself adds to every scraped series.
TARGET_LABELS = frozenset({"instance", "job"})
SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
}
METRIC = re.compile(r"\bfengkong_[a-z0-9_]+")
GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*\"")
LEGEND = re.compile(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}")


def exported() -> dict[str, frozenset[str]]:
    """Every series name the app can export (a counter's `_total`, a histogram's `_bucket`…) →
    the labels it carries (`le` on a histogram's buckets). Read from the collectors `ApiMetrics`
    declares, so a metric with labels counts before it has a sample."""
    families: dict[str, tuple[str, frozenset[str]]] = {}
    for collector in vars(ApiMetrics()).values():
        if isinstance(collector, MetricWrapperBase):
            # prometheus_client keeps the declared name (a counter's without `_total`), type and
            # label names on the collector only.
            families[collector._name] = (collector._type, frozenset(collector._labelnames))
    series: dict[str, frozenset[str]] = {}
    for name, (kind, labels) in families.items():
        for suffix in SUFFIXES[kind]:
            series[name + suffix] = labels | ({"le"} if suffix == "_bucket" else frozenset())
    return series


def panels() -> list[dict[str, Any]]:
    document = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [p for p in document["panels"] if p["type"] != "row"]


def queries() -> list[tuple[str, str, str]]:
    """(panel title, PromQL, legend format) of every query of every panel."""
    return [
        (p["title"], t["expr"], t.get("legendFormat", "")) for p in panels() for t in p["targets"]
    ]


def test_the_dashboard_is_a_grafana_dashboard_over_the_chosen_prometheus() -> None:
    document = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert document["schemaVersion"] >= 39 and document["uid"] == "fengkong-operations"
    variables = {v["name"]: v for v in document["templating"]["list"]}
    assert variables["DS_PROMETHEUS"]["type"] == "datasource"
    assert variables["DS_PROMETHEUS"]["query"] == "prometheus"
    ids = [p["id"] for p in document["panels"]]
    assert len(ids) == len(set(ids))
    for panel in panels():
        assert panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["targets"] and panel["description"], panel["title"]
        refs = [t["refId"] for t in panel["targets"]]
        assert len(refs) == len(set(refs)), panel["title"]
        assert all(t["datasource"] == DATASOURCE for t in panel["targets"]), panel["title"]
        box = panel["gridPos"]
        assert box["x"] + box["w"] <= 24, panel["title"]


def test_the_dashboard_shows_what_the_operations_team_asked_for() -> None:
    shown = " ".join(expr for _, expr, _ in queries())
    for wanted in (
        "fengkong_http_requests_total",
        "fengkong_http_request_duration_seconds_bucket",
        "fengkong_decisions_total",
        "fengkong_identity_checks_total",
        "fengkong_identity_check_cost_fen_total",
        "fengkong_db_pool_size",
        "fengkong_db_pool_checked_out",
        "fengkong_db_pool_overflow",
        "fengkong_http_in_flight",
        "fengkong_http_waiting",
        "fengkong_http_shed_total",
        "fengkong_http_wait_seconds_bucket",
    ):
        assert wanted in shown, wanted
    for quantile in ("0.5", "0.95", "0.99"):
        assert f"histogram_quantile({quantile}, " in shown


@pytest.mark.parametrize(("title", "expr", "legend"), queries(), ids=lambda v: str(v)[:40])
def test_every_query_names_exported_metrics_and_their_labels(
    title: str, expr: str, legend: str
) -> None:
    series = exported()
    names = METRIC.findall(expr)
    assert names, (title, expr)
    unknown = [n for n in names if n not in series]
    assert unknown == [], f"{title}: not exported: {unknown}"
    carried = frozenset().union(*(series[n] for n in names)) | TARGET_LABELS
    used = {
        label.strip()
        for group in GROUPING.findall(expr)
        for label in group.split(",")
        if label.strip()
    }
    used |= set(MATCHER.findall(expr)) | set(LEGEND.findall(legend))
    assert used <= carried, f"{title}: labels no series carries: {sorted(used - carried)}"


def test_the_registry_names_are_what_a_scrape_shows(context: Context) -> None:
    # The names the queries are checked against are the scrape's: one of each kind, after use.
    with TestClient(create_app(context)) as client:
        client.get("/healthz")
        scraped = client.get("/metrics", headers=bearer("fks_scraper")).text
    series = exported()
    for name in (
        "fengkong_http_requests_total",
        "fengkong_http_request_duration_seconds_bucket",
        "fengkong_db_pool_checked_out",
    ):
        assert name in series
        assert re.search(rf"^{name}[{{ ]", scraped, re.MULTILINE), name
