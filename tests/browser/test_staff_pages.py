"""The three pages together in a real browser: a customer chats, a representative answers from
the desk, a lead watches the console. Screenshots of each page go to docs/screenshots/ with
UPDATE_SCREENSHOTS=1 (`make screenshots`)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from gateway.demo import demo_accounts
from gateway.incidents import link_outage
from tests.browser.conftest import RunningGateway, Window, open_window, sign_in

pytestmark = pytest.mark.browser

KNOWN = demo_accounts()[0]
HOSTILE = "you idiots cut off my water AGAIN, this is the worst utility, I want a manager now"
MARKUP = "<script>alert(1)</script> my bill <img src=x onerror=alert(1)> is wrong"


async def chat(window: Window, text: str) -> None:
    await window.page.get_by_label("Your message").fill(text)
    await window.page.get_by_role("button", name="Send").click()


async def bot_says(window: Window, words: str) -> None:
    await expect(window.page.locator("#log li").filter(has_text=words).last).to_be_visible(
        timeout=10_000
    )


async def start_billing_chat(customer: Window, first: str) -> None:
    await expect(customer.page.locator("#connection")).to_have_text("Connected", timeout=10_000)
    await chat(customer, first)
    await bot_says(customer, "account number")
    await chat(customer, f"my account is {KNOWN.number}")
    await bot_says(customer, "what is the service address")
    await chat(customer, KNOWN.service_address)
    await bot_says(customer, "CS-")


async def test_a_customer_chats_and_a_representative_answers_from_the_desk(
    gateway: RunningGateway, browser: Browser, windows: list[Window], screenshots: Path
) -> None:
    desk = await open_window(browser, windows, gateway.url("/desk"))
    await sign_in(desk, "rep.ana", "demo-rep")
    await desk.page.get_by_label("Presence").select_option("available")
    await expect(desk.page.locator("#notice")).to_have_text("You are available.")

    customer = await open_window(browser, windows, gateway.url("/chat"))
    await start_billing_chat(customer, "I think I was double charged on my last bill")

    offer = desk.page.locator("#offers li").first
    await expect(offer).to_contain_text("billing dispute", timeout=5_000)
    await expect(offer.locator(".countdown")).to_have_text(re.compile(r"^\d+s$"))
    await offer.get_by_role("button", name="Accept").click()

    card = desk.page.locator("#card")
    await expect(card).to_contain_text(KNOWN.holder_name)
    await expect(card).to_contain_text(KNOWN.district)
    await expect(desk.page.locator("#transcript")).to_contain_text("double charged")

    # Typing shows both ways; typing is signalled at most every two seconds, so type for longer.
    await customer.page.get_by_label("Your message").press_sequentially(
        "is it refunded yet", delay=200
    )
    await expect(desk.page.locator("#customer-typing")).to_have_text("The customer is typing…")
    await customer.page.get_by_label("Your message").fill("")
    await desk.page.get_by_label("Reply to the customer").press_sequentially("Hello", delay=200)
    await expect(customer.page.locator("#typing")).to_have_text(
        "Ana Torres (representative) is typing…"
    )

    await desk.page.get_by_label("Reply to the customer").fill(
        "Hello, this is Ana. I can see the duplicate charge and will refund it today."
    )
    await desk.page.get_by_role("button", name="Send reply").click()

    await bot_says(customer, "will refund it today")
    await expect(desk.page.locator("#transcript")).to_contain_text("will refund it today")
    await customer.page.screenshot(path=screenshots / "chat.png")
    await desk.page.screenshot(path=screenshots / "desk.png", full_page=True)
    assert desk.errors == [] and customer.errors == []


async def test_a_hostile_chat_reaches_the_console_within_a_second_and_a_lead_takes_over(
    gateway: RunningGateway, browser: Browser, windows: list[Window], screenshots: Path
) -> None:
    console = await open_window(browser, windows, gateway.url("/console"))
    await sign_in(console, "lead.grace", "demo-lead")
    await console.page.get_by_label("Presence", exact=True).select_option("available")
    await expect(console.page.locator("#notice")).to_have_text("You are available.")
    await expect(console.page.locator("#live")).to_have_text("● live")

    customer = await open_window(browser, windows, gateway.url("/chat"))
    await expect(customer.page.locator("#connection")).to_have_text("Connected", timeout=10_000)
    await chat(customer, HOSTILE)
    await bot_says(customer, "CS-")
    opened_at = time.monotonic()

    row = console.page.locator("#escalations tr[data-case]").first
    await expect(row).to_contain_text("hostile", timeout=1_000)
    assert time.monotonic() - opened_at < 1.0
    await row.get_by_role("button", name="Take over").click()

    await expect(console.page.locator("#notice")).to_contain_text("You took over")
    await expect(row).to_contain_text("Grace Holloway")
    await expect(console.page.locator("#detail")).to_contain_text("worst utility")
    await console.page.get_by_label("Reply to the customer").fill(
        "This is Grace, the duty manager. I am looking at your account now."
    )
    await console.page.get_by_role("button", name="Send reply").click()
    await bot_says(customer, "duty manager")
    await console.page.screenshot(path=screenshots / "console.png", full_page=True)
    assert console.errors == []


async def test_markup_from_a_customer_renders_as_text_on_every_page(
    gateway: RunningGateway, browser: Browser, windows: list[Window]
) -> None:
    desk = await open_window(browser, windows, gateway.url("/desk"))
    await sign_in(desk, "rep.ana", "demo-rep")
    await desk.page.get_by_label("Presence").select_option("available")
    console = await open_window(browser, windows, gateway.url("/console"))
    await sign_in(console, "senior.eva", "demo-senior")
    customer = await open_window(browser, windows, gateway.url("/chat"))

    await start_billing_chat(customer, MARKUP)
    await desk.page.locator("#offers li").first.get_by_role("button", name="Accept").click()
    await expect(desk.page.locator("#transcript")).to_contain_text(MARKUP)
    await desk.page.get_by_label("Reply to the customer").fill("Echo: <b>bold</b> <img src=y>")
    await desk.page.get_by_role("button", name="Send reply").click()
    await bot_says(customer, "Echo: <b>bold</b> <img src=y>")
    await console.page.locator("#escalations").wait_for(state="attached")

    for window in (desk, customer):
        page = window.page
        assert await page.locator("#transcript img, #log img, #card img").count() == 0
        assert await page.locator("body script").count() == 0
        assert window.dialogs == []
    await expect(customer.page.locator("#log")).to_contain_text(MARKUP)


async def test_a_lead_sets_an_outage_estimate_and_declares_it_restored_from_the_console(
    gateway: RunningGateway, browser: Browser, windows: list[Window]
) -> None:
    async with gateway.store.transaction() as tx:
        identity = await tx.identity("sms", KNOWN.phone)
        case = await tx.open_case(identity, intent="outage_report")
        await link_outage(tx, case, "Harbor")
    console = await open_window(browser, windows, gateway.url("/console"))
    await sign_in(console, "lead.grace", "demo-lead")
    row = console.page.locator("#incidents tr").filter(has_text="Harbor")
    await expect(row).to_contain_text("active")

    await row.get_by_label("Estimated restoration in Harbor").fill("2030-01-02T18:30")
    await row.get_by_role("button", name="Set estimate").click()
    await expect(console.page.locator("#notice")).to_have_text("Estimate set for Harbor.")
    await expect(row).to_contain_text("2030")
    await row.get_by_role("button", name="Restored").click()

    await expect(console.page.locator("#notice")).to_contain_text("Harbor restored")
    await expect(row).to_contain_text("restored")
    assert console.errors == []


async def test_a_lead_sees_a_locked_sign_in_on_the_console_and_lifts_it(
    gateway: RunningGateway, browser: Browser, windows: list[Window]
) -> None:
    desk = await open_window(browser, windows, gateway.url("/desk"))
    page = desk.page
    await page.get_by_label("Username", exact=True).fill("rep.ana")
    for _ in range(6):
        await page.get_by_label("Password", exact=True).fill("not-my-password")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.locator("#signin-status")).not_to_have_text("")
        locked = await page.locator("#signin-status").text_content()
        await page.locator("#signin-status").evaluate("node => node.textContent = ''")
    assert locked is not None and locked.startswith("too many failed sign-ins: try again in 15")

    console = await open_window(browser, windows, gateway.url("/console"))
    await sign_in(console, "lead.grace", "demo-lead")
    row = console.page.locator("#lockouts tr").filter(has_text="rep.ana")
    await expect(row).to_contain_text("account")
    await row.get_by_role("button", name="Unlock").click()
    await expect(console.page.locator("#notice")).to_have_text(
        "Sign-in unlocked for account rep.ana."
    )
    await expect(console.page.locator("#no-lockouts")).to_be_visible()

    await sign_in(desk, "rep.ana", "demo-rep")
    assert desk.errors == [] and console.errors == []
