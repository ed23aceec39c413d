"""What staff do to a case: reply to the customer through their own channel, change its status."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.outbound import OptedOutError, Outbound
from gateway.store import CaseStore
from gateway.store.models import CaseStatus, ContactIdentity


class CaseNotFoundError(Exception):
    pass


class InvalidReplyError(ValueError):
    pass


MAX_REPLY_CHARS = 1600


@dataclass(frozen=True, slots=True)
class Reply:
    message_id: int
    delivery_status: str


async def reply_to_customer(
    store: CaseStore, outbound: Outbound, *, case_number: str, agent_id: int, body: str
) -> Reply:
    """Queue the reply in the case's channel, then deliver it; refused for an opted-out customer.

    The reply is committed before delivery, so a failed send stays on the case and is retried.
    """
    text = body.strip()
    if not text:
        raise InvalidReplyError("a reply needs some text")
    if len(text) > MAX_REPLY_CHARS:
        raise InvalidReplyError(f"a reply is at most {MAX_REPLY_CHARS} characters")
    async with store.transaction() as tx:
        case = await tx.case_by_number(case_number)
        if case is None:
            raise CaseNotFoundError(case_number)
        identity = await tx.session.get_one(ContactIdentity, case.identity_id)
        if identity.opted_out:
            raise OptedOutError(
                f"the customer on case {case_number} opted out of {identity.channel}"
            )
        message = await tx.record_outbound(identity, body=text, case=case, author_agent_id=agent_id)
        await tx.record_event(case, "replied", f"agent:{agent_id}", {"message_id": message.id})
        if case.status in (CaseStatus.NEW, CaseStatus.OPEN):
            await tx.set_status(case, CaseStatus.WAITING_CUSTOMER, f"agent:{agent_id}")
    status = await outbound.deliver(message.id)
    return Reply(message.id, status)
