"""The reference deployment (`Dockerfile`, `deploy/`, docs/scaling.md) holds together without a
container engine: the compose file has PostgreSQL, Redis, a one-shot migration, several API
replicas behind the proxy, and Prometheus and Grafana; every variable it or the image sets is a
real setting with a valid value (or one of the few the server reads besides); the image's and the
migration's commands parse as the CLI's commands; the proxy's upstreams and Prometheus's targets
are exactly the API services; health checks use the public `/healthz`."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from fengkong.access.permissions import PUBLIC
from fengkong.cli import app
from fengkong.core.settings import Settings

ROOT = Path(__file__).parents[1]
DEPLOY = ROOT / "deploy"
# Read beside the settings: uvicorn's worker count (the image's CMD passes it to `serve
# --workers`), prometheus_client's directory of the workers' metric files, and Python's and pip's
# own, in the image.
OTHER_VARIABLES = frozenset(
    {
        "WEB_CONCURRENCY",
        "PROMETHEUS_MULTIPROC_DIR",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONUNBUFFERED",
        "PIP_NO_CACHE_DIR",
        "PIP_DISABLE_PIP_VERSION_CHECK",
    }
)
API_PORT = 8000


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text("utf-8"))
    return document


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


def api_services() -> list[str]:
    """The services that serve the API: built from the image, running its default command."""
    return sorted(name for name, s in services().items() if "build" in s and "command" not in s)


def dockerfile() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments left out."""
    text = (ROOT / "Dockerfile").read_text("utf-8")
    joined = re.sub(r"\\\n\s*", " ", text)
    return [line.strip() for line in joined.splitlines() if line.strip() and line[0] != "#"]


def instruction(name: str) -> list[str]:
    return [line[len(name) + 1 :] for line in dockerfile() if line.startswith(name + " ")]


def image_environment() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in instruction("ENV"):
        for pair in shlex.split(line):
            key, _, value = pair.partition("=")
            found[key] = value
    return found


def run(args: list[str]) -> Result:
    return CliRunner().invoke(app, args)


def test_the_compose_file_runs_the_stack_the_plan_names() -> None:
    found = services()
    assert found["postgres"]["image"].startswith("postgres:15")
    assert found["redis"]["image"].startswith("redis:7")
    assert found["proxy"]["image"].startswith("nginx")
    assert {"prometheus", "grafana", "migrate"} <= set(found)
    apis = api_services()
    assert len(apis) >= 2, apis
    for name in apis:
        assert found[name]["build"]["dockerfile"] == "Dockerfile"
        assert (DEPLOY / found[name]["build"]["context"] / "Dockerfile").is_file()
        waits = found[name]["depends_on"]
        assert waits["migrate"]["condition"] == "service_completed_successfully"
    assert found["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_migration_is_a_real_command() -> None:
    migrate = services()["migrate"]["command"]
    assert migrate[0] == "fengkong"
    helped = run([*migrate[1:], "--help"])
    assert helped.exit_code == 0 and "Apply every migration" in helped.output


def test_the_image_serves_with_the_command_line_it_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (cmd,) = instruction("CMD")
    shell = json.loads(cmd)
    assert shell[:2] == ["sh", "-c"] and shell[2].startswith("exec fengkong serve ")
    assert "WEB_CONCURRENCY" in image_environment()
    args = shlex.split(shell[2].replace('"${WEB_CONCURRENCY}"', "3"))[2:]
    # `serve` as the image runs it, up to the point it hands over to uvicorn.
    served: dict[str, Any] = {}
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    monkeypatch.setattr("fengkong.logs.configure_logging", lambda *_: None)
    monkeypatch.setattr("fengkong.bootstrap.bootstrap", lambda _: SimpleNamespace(close=list))
    monkeypatch.setattr("uvicorn.run", lambda target, **kw: served.update(kw, target=target))
    result = run(args)
    assert result.exit_code == 0, result.output
    assert served["target"] == "fengkong.web.main:build"
    assert (served["host"], served["port"], served["workers"]) == ("0.0.0.0", API_PORT, 3)


def test_the_image_runs_as_a_user_of_its_own() -> None:
    (base,) = instruction("FROM")
    assert base == "python:3.11-slim"
    (user,) = instruction("USER")
    assert user not in ("root", "0")
    assert any("pip install" in line and " ." in line for line in instruction("RUN"))


def _named(environment: dict[str, Any] | list[str]) -> dict[str, str]:
    if isinstance(environment, list):
        return dict(item.partition("=")[::2] for item in environment)
    return {k: str(v) for k, v in environment.items()}


def test_every_variable_is_a_real_setting_with_a_valid_value(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    fields = set(Settings.model_fields)
    sets = [image_environment()] + [
        _named(s.get("environment", {}))
        for name, s in services().items()
        if name in api_services() or name == "migrate"
    ]
    for environment in sets:
        ours = {k: v for k, v in environment.items() if k.startswith("FENGKONG_")}
        unknown = [k for k in ours if k.removeprefix("FENGKONG_").lower() not in fields]
        assert unknown == [], f"not settings: {unknown}"
        others = set(environment) - set(ours) - OTHER_VARIABLES
        assert others == set(), f"read by nothing: {others}"
        given = {k.removeprefix("FENGKONG_").lower(): v for k, v in ours.items() if "${" not in v}
        Settings(**given)  # a bad value raises, naming the setting


def test_the_proxy_and_prometheus_reach_exactly_the_api_services() -> None:
    conf = (DEPLOY / "nginx.conf").read_text("utf-8")
    upstream = re.search(r"upstream\s+(\w+)\s*\{(.*?)\}", conf, re.DOTALL)
    assert upstream is not None
    servers = re.findall(r"^\s*server\s+([\w.-]+):(\d+)", upstream.group(2), re.MULTILINE)
    assert sorted(servers) == [(name, str(API_PORT)) for name in api_services()]
    assert f"proxy_pass http://{upstream.group(1)};" in conf
    listen = re.search(r"listen\s+(\d+);", conf)
    assert listen is not None
    assert f"{listen.group(1)}:{listen.group(1)}" in services()["proxy"]["ports"][0]

    prometheus = yaml.safe_load((DEPLOY / "prometheus.yml").read_text("utf-8"))
    (job,) = prometheus["scrape_configs"]
    targets = [t for group in job["static_configs"] for t in group["targets"]]
    assert sorted(targets) == [f"{name}:{API_PORT}" for name in api_services()]
    assert job["metrics_path"] == "/metrics"
    key_file = job["authorization"]["credentials_file"]
    assert key_file.removeprefix("/run/secrets/") in services()["prometheus"]["secrets"]


def test_health_checks_use_the_public_liveness_route() -> None:
    assert ("GET", "/healthz") in PUBLIC
    for name in api_services():
        check = " ".join(services()[name]["healthcheck"]["test"])
        assert f"http://127.0.0.1:{API_PORT}/healthz" in check
    (image_check,) = instruction("HEALTHCHECK")
    assert f"http://127.0.0.1:{API_PORT}/healthz" in image_check


def test_grafana_is_given_the_operations_dashboard() -> None:
    grafana = services()["grafana"]
    provider = yaml.safe_load(
        (DEPLOY / "grafana" / "provisioning" / "dashboards" / "fengkong.yml").read_text("utf-8")
    )
    path = provider["providers"][0]["options"]["path"]
    mounted = {v.split(":")[1]: v.split(":")[0] for v in grafana["volumes"]}
    assert (DEPLOY / mounted[path] / "fengkong-operations.json").is_file()
    source = yaml.safe_load(
        (DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text("utf-8")
    )
    assert source["datasources"][0]["type"] == "prometheus"
    assert source["datasources"][0]["url"] == "http://prometheus:9090"
