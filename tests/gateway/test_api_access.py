"""Who may call what: every /api route and the staff WebSocket against anonymous callers,
customers, representatives, seniors and leads. The route list is read from the running app,
so a route added without a row in ACCESS fails here, and so does one missing from the OpenAPI
document."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import WSServerHandshakeError, web

from channels.webchat_tokens import TokenSigner
from gateway.api.openapi import DOCUMENT
from gateway.auth import COOKIE
from tests.gateway.sms_support import KNOWN, SmsGateway, case_number_in
from tests.gateway.staff_support import Staffing, StaffMember

PUBLIC = "public"
ROLES = ("rep", "senior", "lead")
ACCESS: dict[tuple[str, str], str] = {
    ("GET", "/api/openapi.json"): PUBLIC,
    ("POST", "/api/session"): PUBLIC,
    ("DELETE", "/api/session"): "rep",
    ("GET", "/api/me"): "rep",
    ("PUT", "/api/me/presence"): "rep",
    ("GET", "/api/offers"): "rep",
    ("GET", "/api/cases"): "rep",
    ("GET", "/api/cases/{number}"): "rep",
    ("POST", "/api/cases/{number}/accept"): "rep",
    ("POST", "/api/cases/{number}/decline"): "rep",
    ("POST", "/api/cases/{number}/complete"): "rep",
    ("POST", "/api/cases/{number}/replies"): "rep",
    ("POST", "/api/cases/{number}/status"): "rep",
    ("POST", "/api/cases/{number}/notes"): "rep",
    ("POST", "/api/cases/{number}/transfer"): "rep",
    ("POST", "/api/cases/{number}/escalate"): "rep",
    ("POST", "/api/cases/{number}/reassign"): "senior",
    ("POST", "/api/cases/{number}/take-over"): "senior",
    ("POST", "/api/cases/{number}/join"): "lead",
    ("GET", "/api/console/escalations"): "senior",
    ("GET", "/api/console/queues"): "senior",
    ("GET", "/api/console/agents"): "senior",
    ("GET", "/api/console/lockouts"): "lead",
    ("POST", "/api/console/lockouts/clear"): "lead",
    ("GET", "/api/incidents"): "senior",
    ("PUT", "/api/incidents/{id}/estimate"): "lead",
    ("POST", "/api/incidents/{id}/restored"): "lead",
    ("GET", "/api/ws"): "rep",
}
SAFE = {"GET", "HEAD", "OPTIONS"}


def api_routes(app: web.Application) -> set[tuple[str, str]]:
    """Every (method, path template) the app serves under /api/ (HEAD comes with GET)."""
    found = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if path.startswith("/api/") and route.method != "HEAD":
            found.add((route.method, path))
    return found


def fill(path: str, number: str) -> str:
    return path.replace("{number}", number).replace("{id}", "1")


def test_every_api_route_has_a_row_in_the_matrix(sms_gateway: SmsGateway) -> None:
    assert api_routes(sms_gateway.app) == set(ACCESS)


def test_the_openapi_document_describes_exactly_the_served_routes(
    sms_gateway: SmsGateway,
) -> None:
    documented = {
        (method.upper(), path)
        for path, operations in DOCUMENT["paths"].items()
        for method in operations
    }
    assert documented == api_routes(sms_gateway.app)
    assert DOCUMENT["openapi"] == "3.1.0"
    for (method, path), role in ACCESS.items():
        operation = DOCUMENT["paths"][path][method.lower()]
        assert operation.get("x-minimum-role") == (None if role == PUBLIC else role), path


async def test_the_openapi_document_is_served_without_signing_in(
    sms_gateway: SmsGateway,
) -> None:
    response = await sms_gateway.client.get("/api/openapi.json")
    assert response.status == 200
    assert (await response.json())["paths"].keys() == DOCUMENT["paths"].keys()


async def call(member: StaffMember, method: str, path: str, *, csrf: bool = True) -> Any:
    if method == "GET":
        return await member.request(method, path, csrf=csrf)
    return await member.request(method, path, {}, csrf=csrf)


def is_role_refusal(answer: Any) -> bool:
    return answer.status == 403 and str(answer.error).startswith("needs the ")


@pytest.fixture
async def case_number(sms_gateway: SmsGateway) -> str:
    return case_number_in(
        (await sms_gateway.phone(KNOWN.phone).text("why is my bill so high this month"))[0]
    )


def ordered(routes: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Signing out last, so the other calls still have a session."""
    return sorted(routes, key=lambda r: (r == ("DELETE", "/api/session"), r))


async def test_anonymous_callers_and_customers_reach_only_the_public_routes(
    sms_gateway: SmsGateway, staffing: Staffing, case_number: str
) -> None:
    anonymous = staffing.browser()
    customer = staffing.browser()
    chat_token = TokenSigner("a-chat-secret-of-16+chars").issue("customer-session")
    customer.http.cookie_jar.update_cookies({"chat_token": chat_token, COOKIE: chat_token})

    for method, path in ordered(set(ACCESS)):
        for who in (anonymous, customer):
            answer = await call(who, method, fill(path, case_number))
            if ACCESS[(method, path)] == PUBLIC:
                assert answer.status not in (401, 403), (method, path, answer)
            else:
                assert answer.status == 401, (method, path, answer)
                assert answer.error == "sign in first"


@pytest.mark.parametrize("username", ["rep.ana", "senior.eva", "lead.grace"])
async def test_each_role_reaches_exactly_the_routes_of_its_rank(
    sms_gateway: SmsGateway, staffing: Staffing, case_number: str, username: str
) -> None:
    member = await staffing.signed_in(username)
    rank = ROLES.index(username.split(".")[0])

    for method, path in ordered(set(ACCESS)):
        needed = ACCESS[(method, path)]
        answer = await call(member, method, fill(path, case_number))
        if needed != PUBLIC and ROLES.index(needed) > rank:
            assert is_role_refusal(answer), (username, method, path, answer)
        else:
            assert answer.status != 401 and not is_role_refusal(answer), (method, path, answer)


async def test_no_api_answer_may_be_kept_by_a_cache(
    sms_gateway: SmsGateway, staffing: Staffing, case_number: str
) -> None:
    anonymous = staffing.browser()
    grace = await staffing.signed_in("lead.grace")
    for who in (anonymous, grace):
        for method, path in [*ordered(set(ACCESS)), ("GET", "/api/no-such-route")]:
            answer = await call(who, method, fill(path, case_number))
            assert answer.headers.get("Cache-Control") == "no-store", (method, path, answer)


VALID_BODIES: dict[str, Any] = {
    "replies": {"body": "hello"},
    "status": {"status": "waiting_customer"},
    "notes": {"text": "called back"},
    "transfer": {"queue": "billing"},
}
"""Bodies that pass each route's own checks, so the answer is about the case."""


async def test_a_rep_cannot_tell_a_case_never_routed_to_them_from_a_missing_one(
    sms_gateway: SmsGateway, staffing: Staffing, case_number: str
) -> None:
    dana = await staffing.signed_in("rep.dana")
    for method, path in ordered(set(ACCESS)):
        if "{number}" not in path or ACCESS[(method, path)] != "rep":
            continue
        body = None if method == "GET" else VALID_BODIES.get(path.rsplit("/", 1)[-1], {})
        existing = await dana.request(method, fill(path, case_number), body)
        missing = await dana.request(method, fill(path, "CS-999999"), body)
        assert (existing.status, existing.body) == (404, {"error": "no such case"}), path
        assert (missing.status, missing.body) == (404, {"error": "no such case"}), path


async def test_every_write_needs_the_csrf_token(
    sms_gateway: SmsGateway, staffing: Staffing, case_number: str
) -> None:
    grace = await staffing.signed_in("lead.grace")
    for method, path in ordered(set(ACCESS)):
        if method in SAFE or ACCESS[(method, path)] == PUBLIC:
            continue
        answer = await call(grace, method, fill(path, case_number), csrf=False)
        assert (answer.status, answer.error) == (403, "missing or wrong CSRF token"), path


async def test_the_websocket_needs_a_staff_session_and_our_own_origin(
    sms_gateway: SmsGateway, staffing: Staffing
) -> None:
    customer = staffing.browser()
    with pytest.raises(WSServerHandshakeError) as refused:
        await customer.http.ws_connect(customer.url("/api/ws"))
    assert refused.value.status == 401

    ana = await staffing.signed_in("rep.ana")
    with pytest.raises(WSServerHandshakeError) as cross_site:
        await ana.http.ws_connect(ana.url("/api/ws"), origin="https://evil.example")
    assert cross_site.value.status == 403

    for username in ("rep.ana", "senior.eva", "lead.grace"):
        member = await staffing.signed_in(username)
        async with member.live() as feed:
            assert feed.seen[0]["agent"]["username"] == username
