"""Operators and load balancers can tell whether a replica is alive, ready, and how it is doing."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.settings import Settings, normalise_database_url
from gateway.store import CaseStore
from tests.gateway.conftest import ClientFactory


async def test_health_answers_while_the_process_is_alive(gateway_client: TestClient) -> None:
    response = await gateway_client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "alive"}


async def test_ready_when_store_and_routing_answer(gateway_client: TestClient) -> None:
    response = await gateway_client.get("/readyz")
    assert response.status == 200
    assert await response.json() == {"ready": True, "store": "ok", "routing": "ok"}


async def test_not_ready_when_the_store_is_unreachable(aiohttp_client: ClientFactory) -> None:
    settings = Settings(database_url=normalise_database_url("postgresql://nobody@127.0.0.1:9/none"))
    client = await aiohttp_client(create_app(settings))
    response = await client.get("/readyz")
    assert response.status == 503
    assert await response.json() == {"ready": False, "store": "unreachable", "routing": "ok"}


async def test_not_ready_when_redis_is_unreachable(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=normalise_database_url(f"sqlite:///{tmp_path / 'g.db'}"),
        redis_url="redis://127.0.0.1:9/0",
    )
    client = await aiohttp_client(create_app(settings))
    response = await client.get("/readyz")
    assert response.status == 503
    assert (await response.json())["routing"] == "unreachable"


async def test_metrics_count_requests_by_route(
    gateway_client: TestClient, store: CaseStore
) -> None:
    await gateway_client.get("/healthz")
    await gateway_client.get("/healthz")
    await gateway_client.get("/no-such-page")

    response = await gateway_client.get("/metrics")
    text = await response.text()

    assert response.status == 200
    assert response.content_type == "text/plain"
    assert 'gateway_http_requests_total{route="/healthz",status="200"} 2.0' in text
    assert 'gateway_http_requests_total{route="unmatched",status="404"} 1.0' in text
