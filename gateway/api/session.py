"""Signing in and out, who am I, and my presence (which decides whether routing offers me work)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from redis.exceptions import RedisError

from gateway.api.common import (
    FANOUT,
    case_routing_of,
    fail,
    guard,
    json_body,
    nudge,
    passwords_of,
    settings_of,
    sign_in_throttle_of,
    store_of,
    text_field,
)
from gateway.auth import (
    COOKIE,
    SESSION_ENDED,
    SESSION_LIFETIME,
    Staff,
    sign_in,
    sign_out,
    token_digest,
)
from gateway.signin_throttle import Refusal
from gateway.store.models import Agent, Tier
from routing import Presence


def agent_json(agent: Agent) -> dict[str, Any]:
    return {
        "id": agent.id,
        "username": agent.username,
        "display_name": agent.display_name,
        "tier": agent.tier.value,
        "skills": list(agent.skills),
        "presence": agent.presence,
    }


async def _me(request: web.Request, staff: Staff) -> dict[str, Any]:
    async with store_of(request).transaction() as tx:
        agent = await tx.session.get_one(Agent, staff.agent_id)
    # The page keeps the CSRF token in memory only; after a reload it asks for it here, which a
    # page on another site cannot read.
    return {"agent": agent_json(agent), "csrf_token": staff.csrf_token}


def served_over_https(request: web.Request) -> bool:
    """Whether the page is served over HTTPS, so the session cookie must be ``Secure``: the
    public URL says so, or the connection is TLS, or the proxy in front says so. A client that
    forges ``X-Forwarded-Proto`` gains nothing: its browser keeps the cookie off plain HTTP."""
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return (
        request.secure
        or forwarded == "https"
        or settings_of(request).public_base_url.startswith("https://")
    )


def client_address(request: web.Request) -> str:
    """The client's address: the peer's, or behind a proxy listed in ``TRUSTED_PROXIES`` the one
    it forwards for (:mod:`gateway.forwarded` has set ``request.remote`` to it)."""
    return request.remote or "unknown"


def too_many_attempts(refusal: Refusal) -> web.Response:
    at = datetime.fromtimestamp(refusal.until, UTC)
    wait = (
        f"{refusal.retry_after} seconds"
        if refusal.retry_after < 120
        else f"{math.ceil(refusal.retry_after / 60)} minutes"
    )
    return web.json_response(
        {
            "error": f"too many failed sign-ins: try again in {wait} "
            f"(after {at:%H:%M} UTC), or ask a lead to lift the lock",
            "retry_after": refusal.retry_after,
            "retry_at": at.isoformat(),
        },
        status=429,
        headers={"Retry-After": str(refusal.retry_after)},
    )


async def create_session(request: web.Request) -> web.Response:
    """Throttled per account and per address before the password is checked at all."""
    data = await json_body(request)
    username = text_field(data, "username")
    password = data.get("password")
    if not isinstance(password, str):
        raise web.HTTPBadRequest(text="'password' must be a string")
    assert username is not None
    throttle, address = sign_in_throttle_of(request), client_address(request)
    try:
        refusal = await throttle.attempt(username, address)
    except (RedisError, OSError):
        fail(503, "sign-in is unavailable for a moment (its counters cannot be reached)")
    if refusal is not None:
        return too_many_attempts(refusal)
    signed = await sign_in(store_of(request), passwords_of(request), username, password)
    if signed is None:
        raise web.HTTPUnauthorized(text="wrong username or password")
    await throttle.succeeded(username, address)
    response = web.json_response(await _me(request, signed.staff), status=201)
    response.set_cookie(
        COOKIE,
        signed.token,
        httponly=True,
        samesite="Strict",
        secure=served_over_https(request),
        path="/",
        max_age=int(SESSION_LIFETIME.total_seconds()),
    )
    return response


@guard(Tier.REP)
async def delete_session(request: web.Request, staff: Staff) -> web.Response:
    token = request.cookies.get(COOKIE)
    if token:
        await sign_out(store_of(request), token)
        fanout = request.app.get(FANOUT)
        if fanout is not None:
            await fanout.hub.close_session(token_digest(token), SESSION_ENDED)
    response = web.json_response({"signed_out": True})
    response.del_cookie(COOKIE, path="/")
    return response


@guard(Tier.REP)
async def get_me(request: web.Request, staff: Staff) -> web.Response:
    return web.json_response(await _me(request, staff))


@guard(Tier.REP)
async def put_presence(request: web.Request, staff: Staff) -> web.Response:
    data = await json_body(request)
    try:
        presence = Presence(str(data.get("presence")))
    except ValueError:
        raise web.HTTPBadRequest(
            text="'presence' must be one of " + ", ".join(p.value for p in Presence)
        ) from None
    await case_routing_of(request).set_presence(staff.agent_id, presence)
    nudge(request)
    return web.json_response(await _me(request, staff))


def routes() -> list[web.RouteDef]:
    return [
        web.post("/api/session", create_session),
        web.delete("/api/session", delete_session),
        web.get("/api/me", get_me),
        web.put("/api/me/presence", put_presence),
    ]
