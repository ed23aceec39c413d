"""What every staff endpoint shares: its guard, JSON errors, reading bodies, finding cases."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

from aiohttp import web
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import select

from gateway.auth import PasswordChecks, Staff, requires
from gateway.case_routing import CaseRouting
from gateway.casework import CaseNotFoundError, InvalidReplyError
from gateway.chat import ChatGateway
from gateway.fanout import Fanout
from gateway.outbound import OptedOutError, Outbound
from gateway.settings import Settings
from gateway.signin_throttle import SignInThrottle
from gateway.store import CaseStore, Transaction
from gateway.store.models import Agent, Case, CaseEvent, Tier
from routing import (
    AgentUnavailableError,
    NotAssignedError,
    NotOfferedError,
    Router,
    RoutingError,
    UnknownAgentError,
    UnknownContactError,
)

log = logging.getLogger(__name__)

FANOUT = web.AppKey("fanout", Fanout)
API_PREFIX = "/api/"

Handler = Callable[[web.Request, Staff], Awaitable[web.StreamResponse]]
Guarded = Callable[[web.Request], Awaitable[web.StreamResponse]]


# The composition root (gateway.app) imports this package, so its keys are looked up late.


def store_of(request: web.Request) -> CaseStore:
    from gateway.app import STORE

    return request.app[STORE]


def router_of(request: web.Request) -> Router:
    from gateway.app import ROUTER

    return request.app[ROUTER]


def case_routing_of(request: web.Request) -> CaseRouting:
    from gateway.app import CASE_ROUTING

    return request.app[CASE_ROUTING]


def outbound_of(request: web.Request) -> Outbound:
    from gateway.app import OUTBOUND

    return request.app[OUTBOUND]


def settings_of(request: web.Request) -> Settings:
    from gateway.app import SETTINGS

    return request.app[SETTINGS]


def passwords_of(request: web.Request) -> PasswordChecks:
    from gateway.app import PASSWORDS

    return request.app[PASSWORDS]


def sign_in_throttle_of(request: web.Request) -> SignInThrottle:
    from gateway.app import SIGN_IN_THROTTLE

    return request.app[SIGN_IN_THROTTLE]


def chat_of(request: web.Request) -> ChatGateway:
    from gateway.app import CHAT

    return request.app[CHAT]


def guard(tier: Tier) -> Callable[[Handler], Guarded]:
    """Every endpoint but sign-in and the OpenAPI document names the least role it needs."""
    return requires(tier, store_of)


class ApiError(Exception):
    """A refusal the API answers with ``status`` and ``{"error": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def fail(status: int, message: str) -> NoReturn:
    raise ApiError(status, message)


_ROUTING_REFUSALS: dict[type[RoutingError], str] = {
    NotOfferedError: "the offer lapsed or went to somebody else",
    NotAssignedError: "the case is not assigned to that agent now",
    UnknownContactError: "routing does not hold this case (completed or withdrawn)",
    AgentUnavailableError: "that agent cannot take it now (not available, or no room)",
    UnknownAgentError: "that agent has not signed in to routing yet",
}


ROUTING_UNAVAILABLE = "routing is briefly unavailable; try again"
RETRY_AFTER = "2"
"""Seconds: a Redis blink is over in about this time, or /readyz has turned red."""


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def api_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Under /api/ every error is JSON, ``{"error": ...}``, with the status that says why."""
    if not request.path.startswith(API_PREFIX):
        return await handler(request)
    try:
        return await handler(request)
    except ApiError as error:
        return _error(error.status, error.message)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        text = error.text or error.reason
        return _error(error.status, text.removeprefix(f"{error.status}: "))
    except RoutingError as error:
        return _error(409, _ROUTING_REFUSALS.get(type(error), "routing refused it"))
    except CaseNotFoundError:
        return _error(404, "no such case")
    except OptedOutError:
        return _error(422, "the customer opted out of this channel")
    except InvalidReplyError as error:
        return _error(400, str(error))
    except (RedisConnectionError, RedisTimeoutError) as error:
        # Redis did not answer even after the client's retries: nothing is wrong with the request.
        log.warning(
            "staff API %s %s: routing unreachable (%s)",
            request.method,
            request.path,
            type(error).__name__,
        )
        response = _error(503, ROUTING_UNAVAILABLE)
        response.headers["Retry-After"] = RETRY_AFTER
        return response
    except Exception:
        # The edge: an unexpected failure is logged once and answered, never shown raw.
        log.exception("staff API %s %s failed", request.method, request.path)
        return _error(500, "internal error")


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object; 400 for anything else."""
    if request.content_type != "application/json":
        fail(400, "send application/json")
    try:
        data = await request.json()
    except (ValueError, RecursionError):
        # Besides malformed JSON and bad UTF-8 (both ValueErrors): numbers of more digits than
        # Python converts, and arrays nested thousands deep.
        fail(400, "malformed JSON")
    if not isinstance(data, dict):
        fail(400, "expected a JSON object")
    return data


def text_field(data: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        fail(400, f"'{name}' must be a non-empty string")
    return value.strip()


async def case_or_404(tx: Transaction, number: str) -> Case:
    case = await tx.case_by_number(number)
    if case is None:
        fail(404, "no such case")
    return case


async def agent_by_username(tx: Transaction, username: str) -> Agent:
    agent = await tx.session.scalar(
        select(Agent).where(Agent.username == username, Agent.active.is_(True))
    )
    if agent is None:
        fail(404, f"no active agent {username!r}")
    return agent


async def has_joined(tx: Transaction, case: Case, staff: Staff) -> bool:
    """A lead who joined a case may reply on it beside its assignee."""
    found = await tx.session.scalar(
        select(CaseEvent.id).where(
            CaseEvent.case_id == case.id,
            CaseEvent.kind == "joined",
            CaseEvent.actor == actor_of(staff),
        )
    )
    return found is not None


def actor_of(staff: Staff) -> str:
    return f"agent:{staff.agent_id}"


def nudge(request: web.Request) -> None:
    """This replica just committed case events: relay them now, not at the next poll."""
    fanout = request.app.get(FANOUT)
    if fanout is not None:
        fanout.relay.nudge()
