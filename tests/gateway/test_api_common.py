"""What every staff endpoint shares: JSON it cannot take is the client's mistake (400), never
an internal error, and no API answer may be kept by a cache."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

MALFORMED = {
    "nested 5,000 deep": "[" * 5000 + "]" * 5000,
    "a 5,000-digit number": '{"username": "rep.ana", "password": ' + "9" * 5000 + "}",
    "not UTF-8": b'{"username": "\xff"}',
    "not JSON": "{username",
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
async def test_json_the_api_cannot_read_is_a_400_without_a_traceback(
    gateway_client: TestClient[Any, Any], caplog: pytest.LogCaptureFixture, body: str | bytes
) -> None:
    with caplog.at_level(logging.INFO):
        response = await gateway_client.post(
            "/api/session", data=body, headers={"Content-Type": "application/json"}
        )

    assert response.status == 400
    assert await response.json() == {"error": "malformed JSON"}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
