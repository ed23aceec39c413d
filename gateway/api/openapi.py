"""The staff API described as OpenAPI 3.1, written by hand as data; a test keeps it and the
router in step, so a route cannot be added without being described."""

from __future__ import annotations

from typing import Any

from aiohttp import web

Schema = dict[str, Any]

ERROR: Schema = {
    "type": "object",
    "properties": {"error": {"type": "string"}},
    "required": ["error"],
}
CASE_NUMBER: Schema = {
    "name": "number",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^CS-[0-9]{6,}$"},
}
INCIDENT_ID: Schema = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
ANY_OBJECT: Schema = {"type": "object"}
LOCKED: Schema = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "retry_after": {"type": "integer", "minimum": 1},
        "retry_at": {"type": "string", "format": "date-time"},
    },
    "required": ["error", "retry_after", "retry_at"],
}
RETRY_AFTER: Schema = {
    "description": "seconds until sign-in is allowed again",
    "schema": {"type": "integer", "minimum": 1},
}


def _responses(ok: int, schema: Schema, *errors: int) -> dict[str, Any]:
    described = {
        400: "bad input",
        401: "not signed in",
        403: "role too low, not your case, or missing CSRF token",
        404: "no such case, agent or lock",
        409: "conflict with routing: offer lapsed, not assigned, agent unavailable",
        422: "the customer opted out of this channel",
        429: "too many failed sign-ins for this account or address: locked until retry_at",
        503: "sign-in cannot count attempts now (Redis unreachable); try again shortly",
    }
    out: dict[str, Any] = {
        str(ok): {"description": "done", "content": {"application/json": {"schema": schema}}}
    }
    for status in errors:
        answer: dict[str, Any] = {
            "description": described[status],
            "content": {"application/json": {"schema": LOCKED if status == 429 else ERROR}},
        }
        if status == 429:
            answer["headers"] = {"Retry-After": RETRY_AFTER}
        out[str(status)] = answer
    return out


def _op(
    summary: str,
    role: str | None,
    *,
    ok: int = 200,
    schema: Schema = ANY_OBJECT,
    body: Schema | None = None,
    params: list[Schema] | None = None,
    errors: tuple[int, ...] = (),
) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary}
    if role is not None:
        op["x-minimum-role"] = role
        op["security"] = [{"session": []}]
        errors = (401, 403, *errors)
    else:
        op["security"] = []
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
        errors = (*errors, 400) if 400 not in errors else errors
    op["responses"] = _responses(ok, schema, *sorted(set(errors)))
    return op


def _obj(**props: Schema) -> Schema:
    return {"type": "object", "properties": props, "required": list(props)}


STR: Schema = {"type": "string"}


def _case_action(summary: str, role: str = "rep", **kw: Any) -> dict[str, Any]:
    return {"post": _op(summary, role, params=[CASE_NUMBER], errors=(404, 409), **kw)}


PATHS: dict[str, dict[str, Any]] = {
    "/api/openapi.json": {"get": _op("This document", None)},
    "/api/session": {
        "post": _op(
            "Sign in; sets the HttpOnly SameSite=Strict session cookie. Throttled: after too "
            "many failed attempts on an account or from an address (by default 5 and 20 within "
            "15 minutes), 429 for 15 minutes, without checking the password",
            None,
            ok=201,
            body=_obj(username=STR, password=STR),
            errors=(401, 429, 503),
        ),
        "delete": _op("Sign out", "rep"),
    },
    "/api/me": {"get": _op("Who I am, my presence and my CSRF token", "rep")},
    "/api/me/presence": {
        "put": _op(
            "Set my presence; routing offers work only while available",
            "rep",
            body=_obj(presence={"enum": ["available", "busy", "away", "offline"]}),
        )
    },
    "/api/offers": {"get": _op("Contacts offered to me now, with their expiry", "rep")},
    "/api/cases": {
        "get": _op(
            "My open cases; seniors and leads may filter every case by queue or state",
            "rep",
            params=[
                {"name": "queue", "in": "query", "required": False, "schema": STR},
                {"name": "state", "in": "query", "required": False, "schema": STR},
            ],
        )
    },
    "/api/cases/{number}": {
        "get": _op(
            "The contact card: analysis, sentiment, account, earlier cases, transcript, history",
            "rep",
            params=[CASE_NUMBER],
            errors=(404,),
        )
    },
    "/api/cases/{number}/accept": _case_action("Accept the offer of this case"),
    "/api/cases/{number}/decline": _case_action("Decline the offer of this case"),
    "/api/cases/{number}/complete": _case_action("Finish the case; it is resolved"),
    "/api/cases/{number}/replies": {
        "post": _op(
            "Reply to the customer through their own channel",
            "rep",
            ok=201,
            params=[CASE_NUMBER],
            body=_obj(body=STR),
            errors=(404, 422),
        )
    },
    "/api/cases/{number}/status": _case_action(
        "Change the case's status, with an optional disposition",
        body={
            "type": "object",
            "properties": {
                "status": {"enum": ["new", "open", "waiting_customer", "resolved", "closed"]},
                "disposition": STR,
            },
            "required": ["status"],
        },
    ),
    "/api/cases/{number}/notes": {
        "post": _op(
            "Add a note to the case's history",
            "rep",
            ok=201,
            params=[CASE_NUMBER],
            body=_obj(text=STR),
            errors=(404,),
        )
    },
    "/api/cases/{number}/transfer": _case_action(
        "Transfer to a queue or to a named agent",
        body={
            "type": "object",
            "properties": {"queue": STR, "agent": STR},
            "oneOf": [{"required": ["queue"]}, {"required": ["agent"]}],
        },
    ),
    "/api/cases/{number}/escalate": _case_action("Hand the case to the leads"),
    "/api/cases/{number}/reassign": _case_action(
        "Offer the case to another agent", "senior", body=_obj(agent=STR)
    ),
    "/api/cases/{number}/take-over": _case_action("Take the case myself", "senior"),
    "/api/cases/{number}/join": _case_action("Join the conversation (may reply)", "lead"),
    "/api/console/escalations": {
        "get": _op(
            "Urgent (verified, then unverified), hostile, escalated and late cases, oldest first "
            "within a level, with counts per level and sentiment trend",
            "senior",
        )
    },
    "/api/console/queues": {
        "get": _op("Depth, oldest wait and SLA attainment per queue", "senior")
    },
    "/api/console/agents": {
        "get": _op("Workload per agent: presence, load, cases, handled today", "senior")
    },
    "/api/console/lockouts": {
        "get": _op("Accounts and addresses whose sign-in is locked now, with counts", "lead")
    },
    "/api/console/lockouts/clear": {
        "post": _op(
            "Lift a sign-in lock and forget its failures",
            "lead",
            body=_obj(kind={"enum": ["account", "address"]}, name=STR),
            errors=(404,),
        )
    },
    "/api/incidents": {
        "get": _op(
            "Outage incidents, active first: district, reports, open cases, estimate", "senior"
        )
    },
    "/api/incidents/{id}/estimate": {
        "put": _op(
            "Set the estimated restoration later reporters are told",
            "lead",
            params=[INCIDENT_ID],
            body=_obj(estimated_restoration={"type": "string", "format": "date-time"}),
            errors=(404,),
        )
    },
    "/api/incidents/{id}/restored": {
        "post": _op(
            "Mark restored: every linked customer is told in their own channel",
            "lead",
            params=[INCIDENT_ID],
            errors=(404,),
        )
    },
    "/api/ws": {
        "get": _op(
            "The staff WebSocket (upgrade): live events filtered by role",
            "rep",
            ok=101,
            schema={"type": "object", "description": "JSON frames: hello, event"},
        )
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Utility contact-center gateway: staff API",
        "version": "1.0.0",
        "description": (
            "Cookie sessions (gw_session); every state-changing request carries the session's "
            'CSRF token in X-CSRF-Token. Errors are {"error": message}.'
        ),
    },
    "components": {
        "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "gw_session"}},
        "schemas": {
            "CaseSummary": {
                "type": "object",
                "properties": {
                    "number": STR,
                    "status": STR,
                    "channel": STR,
                    "intent": STR,
                    "urgent": {"type": "boolean"},
                    "hostile": {"type": "boolean"},
                    "verified": {
                        "type": "boolean",
                        "description": "the customer is known: phone on file, proven account",
                    },
                },
            }
        },
    },
    "paths": PATHS,
}


async def openapi_document(_request: web.Request) -> web.Response:
    return web.json_response(DOCUMENT)


def routes() -> list[web.RouteDef]:
    return [web.get("/api/openapi.json", openapi_document)]
