"""The staff pages are served with a strict Content-Security-Policy and carry no inline code;
their scripts never parse customer text as markup."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from aiohttp.test_utils import TestClient

from gateway.api.pages import ASSETS, STATIC


class Inline(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block, and which fields lack labels."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.labelled: set[str] = set()
        self.fields: set[str] = set()
        self._in_script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, _ in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"{tag}[{name}]")
        if tag == "script" and "src" not in named:
            self._in_script_without_src = True
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("inline <style>")
        if tag == "label" and named.get("for"):
            self.labelled.add(str(named["for"]))
        if tag in ("input", "select", "textarea"):
            self.fields.add(str(named.get("id")))


@pytest.mark.parametrize("page", ["/desk", "/console"])
async def test_pages_are_served_with_a_strict_content_security_policy(
    gateway_client: TestClient, page: str
) -> None:
    response = await gateway_client.get(page)

    assert response.status == 200
    assert response.content_type == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "connect-src 'self' ws: wss:" in csp
    assert "unsafe-inline" not in csp
    parser = Inline()
    parser.feed(await response.text())
    assert parser.problems == []
    assert parser.fields <= parser.labelled, "every field has a label"


async def test_the_page_assets_are_served_and_nothing_else_from_the_folder(
    gateway_client: TestClient,
) -> None:
    for name, content_type in ASSETS.items():
        response = await gateway_client.get(f"/staff/{name}")
        assert response.status == 200, name
        assert response.content_type == content_type
    assert (await gateway_client.get("/staff/desk.html")).status == 404
    assert (await gateway_client.get("/staff/..%2Fapi%2Fcommon.py")).status == 404


def test_no_staff_script_parses_text_as_markup() -> None:
    for name in ASSETS:
        if name.endswith(".js"):
            source = (STATIC / name).read_text()
            assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", source)
            assert "eval(" not in source
