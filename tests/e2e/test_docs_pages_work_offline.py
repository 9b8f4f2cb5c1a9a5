"""The API's documentation pages (`/docs`, `/redoc`) need nothing from the internet: every script,
stylesheet, icon and the OpenAPI document they reference is served by the app itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from fakes.api import api_client
from fengkong.bootstrap import bootstrap
from fengkong.core.settings import Settings

# src="…", href="…", spec-url="…" attributes, and Swagger UI's `url: '…'` for the document.
REFERENCES = re.compile(r"""(?:\b(?:src|href|spec-url)=|\burl:\s*)["']([^"']+)["']""")
BASE = "http://testserver"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        env="test", home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'f.db'}"
    )
    context = bootstrap(settings)
    with api_client(context, "fks_channel", base_url=BASE) as c:
        yield c
    context.close()


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_page_and_all_it_references_come_from_the_app(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    html = response.text
    references = REFERENCES.findall(html)
    assert len(references) >= 3, html  # a script, a stylesheet or icon, the OpenAPI document
    assert not re.search(r"https?://", html), "the page names another host"
    for reference in references:
        url = urlsplit(urljoin(BASE + page, reference))
        assert (url.scheme, url.netloc) == ("http", "testserver"), reference
        asset = client.get(url.path)
        assert asset.status_code == 200, reference
        assert asset.content, reference
        if url.path.endswith(".js"):
            assert "javascript" in asset.headers["content-type"]
            assert len(asset.content) > 100_000  # the real bundle, not a stub


def test_the_pages_and_the_document_need_a_login(client: TestClient) -> None:
    nobody = {"Authorization": ""}
    for page in ("/docs", "/redoc", "/openapi.json"):
        refused = client.get(page, headers=nobody)
        assert refused.status_code == 401, page
        assert refused.headers["content-type"] == "application/problem+json"
    assert client.get("/openapi.json").json()["info"]["title"] == "Fengkong"
