"""The customer chat page in a real browser: it survives a dropped connection without losing or
repeating a message, and it shows who is typing."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy import select

from gateway.app import CHAT, OUTBOUND
from gateway.casework import reply_to_customer
from gateway.store.models import Agent
from tests.browser.conftest import RunningGateway, Window, open_window

pytestmark = pytest.mark.browser

OUTAGE = "my power has been out on my whole street since this morning"


async def open_case(customer: Window) -> str:
    await expect(customer.page.locator("#connection")).to_have_text("Connected", timeout=10_000)
    await customer.page.get_by_label("Your message").fill(OUTAGE)
    await customer.page.keyboard.press("Enter")
    answer = customer.page.locator("#log li.outbound").filter(has_text="CS-")
    await expect(answer).to_be_visible(timeout=10_000)
    found = re.search(r"CS-\d{6}", await answer.inner_text())
    assert found is not None
    return found.group()


async def agent_id(gateway: RunningGateway, username: str) -> int:
    async with gateway.store.transaction() as tx:
        found = await tx.session.scalar(select(Agent.id).where(Agent.username == username))
    assert found is not None
    return found


async def test_a_reply_sent_while_the_connection_was_down_shows_once_after_it_comes_back(
    gateway: RunningGateway, browser: Browser, windows: list[Window]
) -> None:
    customer = await open_window(browser, windows, gateway.url("/chat"))
    number = await open_case(customer)

    await gateway.app[CHAT].close_sockets()  # the page's connection drops
    await reply_to_customer(
        gateway.store,
        gateway.app[OUTBOUND],
        case_number=number,
        agent_id=await agent_id(gateway, "rep.ana"),
        body="A crew is on its way to your street.",
    )

    reply = customer.page.locator("#log li").filter(has_text="A crew is on its way")
    await expect(reply).to_have_count(1, timeout=10_000)
    await expect(reply).to_contain_text("Ana Torres (representative)")
    await expect(customer.page.locator("#connection")).to_have_text("Connected")
    await expect(customer.page.locator("#log li").filter(has_text=OUTAGE)).to_have_count(1)
    assert customer.errors == []


async def test_the_page_shows_a_representative_typing(
    gateway: RunningGateway, browser: Browser, windows: list[Window]
) -> None:
    customer = await open_window(browser, windows, gateway.url("/chat"))
    number = await open_case(customer)

    assert await gateway.app[CHAT].typing_to_customer(number, "Ana Torres")

    await expect(customer.page.locator("#typing")).to_have_text(
        "Ana Torres (representative) is typing…"
    )
    assert customer.errors == []
