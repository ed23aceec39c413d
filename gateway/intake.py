"""The intake conversation: from a customer's message to a case that routing can offer.

The gateway, not the channel, runs it. Its state lives in the store (``conversations``), so any
replica can take the next message. Every turn is one transaction that claims its message first,
so a message is handled once even when a recovery sweep on another replica sees it too.
Emergencies and other urgent contacts skip every question.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from channels import InboundMessage
from channels.sms_keywords import keyword
from gateway import replies
from gateway.accounts import account_number_in, find_accounts
from gateway.incidents import Linked, district_of, link_outage
from gateway.store import CaseStore, Transaction
from gateway.store.models import (
    Account,
    Case,
    CaseStatus,
    ContactIdentity,
    Conversation,
    Direction,
    Message,
)
from gateway.store.repository import QUARANTINED
from nlp import Analysis

Analyzer = Callable[[str, str | None], Analysis]

NEEDS_ACCOUNT = frozenset(
    {
        "billing_dispute",
        "payment",
        "start_stop_service",
        "meter_issue",
        "account_update",
        "damage_claim",
    }
)
ATTEMPTS_BEFORE_UNVERIFIED = 2
LOW_CONFIDENCE = 0.5

_YES = re.compile(
    r"^\s*(y|yes|yeah|yep|yup|correct|right|that'?s (it|right|me)|si|sí|ok|okay)\b", re.I
)
_NO = re.compile(r"^\s*(n|no|nope|wrong|not (it|me|mine)|incorrect)\b", re.I)


def priority_of(urgent: bool, hostile: bool) -> int:
    return 2 if urgent else 1 if hostile else 0


@dataclass(frozen=True, slots=True)
class Accepted:
    message_id: int
    created: bool


@dataclass(frozen=True, slots=True)
class Turn:
    """What a turn decided: the reply (already stored as an outbound message) and what to route."""

    reply: str | None = None
    reply_message_id: int | None = None
    case_id: int | None = None
    route: bool = False
    escalate: bool = False


class Intake:
    """``analyze`` runs on one worker thread of its own: a slow analysis never blocks the event
    loop, so webhooks still answer within their budget."""

    def __init__(self, store: CaseStore, analyze: Analyzer) -> None:
        self.store = store
        self.analyze = analyze
        self._analysis_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analysis")

    def close(self) -> None:
        self._analysis_thread.shutdown(wait=True, cancel_futures=True)

    async def accept(self, inbound: InboundMessage) -> Accepted:
        """Commit the message, once; the webhook may answer only after this returns."""
        async with self.store.transaction() as tx:
            identity = await tx.identity(inbound.channel, inbound.sender)
            record = await tx.record_inbound(
                identity,
                provider_id=inbound.provider_id,
                body=inbound.body,
                media_urls=inbound.media_urls,
            )
        return Accepted(record.message.id, record.created)

    async def take_turn(self, message_id: int, body: str, channel: str) -> Turn:
        """Run the conversation for one committed message; one already handled gives no turn."""
        loop = asyncio.get_running_loop()
        analysis = await loop.run_in_executor(self._analysis_thread, self.analyze, body, channel)
        async with self.store.transaction() as tx:
            message = await tx.claim_inbound(message_id, analysis.to_dict())
            if message is None:
                return Turn()
            identity = await tx.session.get_one(ContactIdentity, message.identity_id)
            conversation = await tx.conversation(identity)
            return await _TurnInProgress(tx, identity, conversation, message, analysis).run()


@dataclass(frozen=True, slots=True)
class Unhandled:
    message_id: int
    body: str
    channel: str


async def unhandled(store: CaseStore, older_than: datetime) -> list[Unhandled]:
    """Inbound messages committed but never taken through a turn (a replica died mid-way), but
    for those quarantined after failing turn after turn."""
    async with store.transaction() as tx:
        rows = await tx.session.execute(
            select(Message.id, Message.body, Message.channel)
            .where(
                Message.direction == Direction.INBOUND,
                Message.analysis.is_(None),
                Message.delivery_status != QUARANTINED,
                Message.created_at < older_than,
            )
            .order_by(Message.id)
            .limit(100)
        )
        return [Unhandled(*row) for row in rows]


class _TurnInProgress:
    def __init__(
        self,
        tx: Transaction,
        identity: ContactIdentity,
        conversation: Conversation,
        message: Message,
        analysis: Analysis,
    ) -> None:
        self.tx = tx
        self.identity = identity
        self.conversation = conversation
        self.message = message
        self.analysis = analysis
        self.incident: Linked | None = None

    async def run(self) -> Turn:
        if self.identity.channel == "sms":
            handled = await self._carrier_keyword()
            if handled is not None:
                return handled
        if self.conversation.step != "idle" and self._answers_the_question():
            return await self._continue_gathering()
        if self.analysis.intent == "emergency" or self.analysis.urgent:
            return await self._urgent()
        if self.conversation.step != "idle":
            return await self._continue_gathering()
        open_case = await self.tx.open_case_for(self.identity)
        if open_case is not None and self._same_topic(open_case):
            return await self._follow_up(open_case)
        return await self._new_topic()

    def _answers_the_question(self) -> bool:
        """An account number, an address or a yes/no answers the question, whatever a classifier
        makes of it; only a real new emergency interrupts the questions."""
        body = self.message.body
        if self.analysis.intent == "emergency":
            return False
        return bool(
            account_number_in(body)
            or _YES.match(body)
            or _NO.match(body)
            or any(e.label in ("ACCOUNT_NUMBER", "ADDRESS") for e in self.analysis.entities)
        )

    async def _continue_gathering(self) -> Turn:
        if self.conversation.step == "awaiting_account":
            return await self._account_given()
        return await self._account_confirmed()

    async def _carrier_keyword(self) -> Turn | None:
        word = keyword(self.message.body)
        if word == "stop":
            self.identity.opted_out = True
            return await self._reply(replies.OPTED_OUT, force=True)
        if word == "start" and self.identity.opted_out:
            self.identity.opted_out = False
            return await self._reply(replies.OPTED_IN)
        if word == "help":
            return await self._reply(replies.HELP, force=True)
        return None

    async def _urgent(self) -> Turn:
        """Safety instructions first for hazards, then the case and the fastest route."""
        open_case = await self.tx.open_case_for(self.identity)
        if open_case is not None and open_case.urgent:
            return await self._follow_up(open_case)
        pending = self.conversation.pending
        account = await self._known_account() or await self._account_by_id(
            pending.get("account_id")
        )
        case = await self._open_case(
            intent=self.analysis.intent, urgent=True, hostile=self.analysis.hostile, account=account
        )
        text = (
            replies.case_opened(case.reference, urgent=True, hostile=case.hostile)
            + self._known_outage()
        )
        if self.analysis.intent == "emergency":
            text = f"{replies.SAFETY}\n{text}"
        return await self._reply(text, case=case, route=True)

    async def _new_topic(self) -> Turn:
        intent = self.analysis.intent
        if intent not in NEEDS_ACCOUNT:
            case = await self._open_case(
                intent=intent,
                urgent=False,
                hostile=self.analysis.hostile,
                account=await self._known_account(),
            )
            return await self._opened(case)
        account = await self._known_account()
        if account is not None:
            case = await self._open_case(
                intent=intent, urgent=False, hostile=self.analysis.hostile, account=account
            )
            return await self._opened(case)
        self._pend(step="awaiting_account", intent=intent, attempts=0)
        found = await self._accounts_mentioned()
        if len(found) == 1:
            return await self._ask_confirmation(found[0])
        return await self._reply(replies.ASK_ACCOUNT)

    async def _account_given(self) -> Turn:
        self._pend()
        found = await self._accounts_mentioned()
        if len(found) == 1:
            return await self._ask_confirmation(found[0])
        return await self._account_not_found()

    async def _account_confirmed(self) -> Turn:
        self._pend()
        body = self.message.body
        if _YES.match(body):
            account = await self._account_by_id(self.conversation.pending.get("account_id"))
            if account is not None:
                if self.identity.customer_id is None:
                    self.identity.customer_id = account.customer_id
                return await self._open_pending(account)
        found = await self._accounts_mentioned()
        if len(found) == 1:
            return await self._ask_confirmation(found[0])
        if _NO.match(body) or found:
            self.conversation.step = "awaiting_account"
            return await self._account_not_found()
        account = await self._account_by_id(self.conversation.pending.get("account_id"))
        assert account is not None
        return await self._reply(
            replies.confirm_account(account.number[-4:], account.service_address)
        )

    async def _account_not_found(self) -> Turn:
        attempts = int(self.conversation.pending.get("attempts", 0)) + 1
        self.conversation.pending = self.conversation.pending | {"attempts": attempts}
        if attempts >= ATTEMPTS_BEFORE_UNVERIFIED:
            return await self._open_pending(None)
        return await self._reply(replies.ASK_ACCOUNT_AGAIN)

    async def _ask_confirmation(self, account: Account) -> Turn:
        self.conversation.step = "confirming_account"
        self.conversation.pending = self.conversation.pending | {"account_id": account.id}
        return await self._reply(
            replies.confirm_account(account.number[-4:], account.service_address)
        )

    async def _open_pending(self, account: Account | None) -> Turn:
        """Open the case the conversation was gathering details for, with every message so far."""
        pending = self.conversation.pending
        case = await self._open_case(
            intent=str(pending["intent"]),
            urgent=False,
            hostile=bool(pending.get("hostile")),
            account=account,
            message_ids=[int(i) for i in pending.get("message_ids", [])],
        )
        return await self._opened(case, unverified=account is None)

    async def _follow_up(self, case: Case) -> Turn:
        """A message on an open case joins it; a case that turns hostile is escalated live."""
        self.message.case_id = case.id
        turned_hostile = self.analysis.hostile and not case.hostile
        await self.tx.record_event(case, "analysed", "system", self._analysis_event())
        if turned_hostile:
            case.hostile = True
            case.priority = max(case.priority, priority_of(case.urgent, True))
        if case.status is CaseStatus.WAITING_CUSTOMER:
            await self.tx.set_status(case, CaseStatus.OPEN, "customer")
        if case.assigned_agent_id is not None:
            return Turn(case_id=case.id, escalate=turned_hostile)
        turn = await self._reply(replies.added_to_case(case.reference), case=case)
        return Turn(
            turn.reply, turn.reply_message_id, case.id, route=False, escalate=turned_hostile
        )

    async def _opened(self, case: Case, *, unverified: bool = False) -> Turn:
        text = (
            replies.case_opened(case.reference, urgent=case.urgent, hostile=case.hostile)
            + self._known_outage()
        )
        if unverified:
            text = f"{text} {replies.UNVERIFIED}"
        return await self._reply(text, case=case, route=True)

    async def _open_case(
        self,
        *,
        intent: str,
        urgent: bool,
        hostile: bool,
        account: Account | None,
        message_ids: list[int] | None = None,
    ) -> Case:
        case = await self.tx.open_case(
            self.identity,
            intent=intent,
            urgent=urgent,
            hostile=hostile,
            priority=priority_of(urgent, hostile),
            account=account,
        )
        await self.tx.attach_messages(case, {*(message_ids or []), self.message.id})
        await self.tx.record_event(case, "analysed", "system", self._analysis_event())
        if intent == "outage_report":
            district = await district_of(self.tx, case) or await self._district_mentioned()
            if district is not None:
                self.incident = await link_outage(self.tx, case, district)
        self.conversation.step = "idle"
        self.conversation.pending = {}
        return case

    async def _reply(
        self, text: str, *, case: Case | None = None, route: bool = False, force: bool = False
    ) -> Turn:
        """Store the reply as an outbound message; nothing goes to an opted-out number unless forced
        (the opt-out confirmation itself, and HELP, which carriers require)."""
        if self.identity.opted_out and not force:
            return Turn(case_id=case.id if case else None, route=route)
        reply = await self.tx.record_outbound(self.identity, body=text, case=case)
        if case is None and self.conversation.step != "idle":
            pending = self.conversation.pending
            self.conversation.pending = pending | {
                "message_ids": [*pending.get("message_ids", []), reply.id]
            }
        return Turn(text, reply.id, case.id if case else None, route=route)

    def _pend(self, *, step: str | None = None, **fields: Any) -> None:
        """Remember this message and what it tells us while details are still missing."""
        pending = dict(self.conversation.pending) | fields
        pending["message_ids"] = [*pending.get("message_ids", []), self.message.id]
        pending["hostile"] = bool(pending.get("hostile")) or self.analysis.hostile
        self.conversation.pending = pending
        if step is not None:
            self.conversation.step = step

    def _same_topic(self, case: Case) -> bool:
        intent = self.analysis.intent
        return (
            intent == case.intent
            or intent == "general_inquiry"
            or self.analysis.intent_confidence < LOW_CONFIDENCE
        )

    async def _known_account(self) -> Account | None:
        """The sender's account when we know it without asking: exactly one on file."""
        if self.identity.customer_id is None:
            return None
        accounts = await self.tx.accounts_of(self.identity.customer_id)
        return accounts[0] if len(accounts) == 1 else None

    def _known_outage(self) -> str:
        """Later reporters of an outage hear that it is known, and when it should be restored."""
        if self.incident is None or not self.incident.already_known:
            return ""
        incident = self.incident.incident
        return " " + replies.outage_known(incident.district, incident.estimated_restoration)

    async def _district_mentioned(self) -> str | None:
        districts = {account.district for account in await self._accounts_mentioned()}
        return districts.pop() if len(districts) == 1 else None

    async def _account_by_id(self, account_id: object) -> Account | None:
        return (
            await self.tx.session.get(Account, int(account_id))
            if isinstance(account_id, int)
            else None
        )

    async def _accounts_mentioned(self) -> list[Account]:
        spoken = self.analysis.first("ACCOUNT_NUMBER")
        number = account_number_in(spoken or "") or account_number_in(self.message.body)
        addresses = [e.text for e in self.analysis.entities if e.label == "ADDRESS"] + [
            self.message.body
        ]
        return await find_accounts(self.tx.session, number, addresses)

    def _analysis_event(self) -> dict[str, Any]:
        a = self.analysis
        return {
            "message_id": self.message.id,
            "intent": a.intent,
            "confidence": round(a.intent_confidence, 3),
            "urgent": a.urgent,
            "hostile": a.hostile,
            "sentiment": round(a.sentiment, 3),
        }
