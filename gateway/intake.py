"""The intake conversation: from a customer's message to a case that routing can offer.

The gateway, not the channel, runs it. Its state lives in the store (``conversations``), so any
replica can take the next message. Every turn is one transaction that claims its message first,
so a message is handled once even when a recovery sweep on another replica sees it too.
Emergencies and other urgent contacts skip every question.

A case is *verified* when we know who sent it: the sender is a customer on file (a phone on an
account, or a chat session whose customer proved an account theirs earlier), or the account the
case is for was confirmed in this conversation. An account merely proposed for confirmation does
not count. Unverified urgent cases rank below verified ones (:mod:`gateway.priority`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from channels import InboundMessage
from channels.sms_keywords import keyword
from gateway import replies
from gateway.accounts import account_number_in, accounts_at, address_in, same_address
from gateway.incidents import Linked, district_of, link_outage
from gateway.priority import priority_of
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
MISSES_BEFORE_UNVERIFIED = 2
"""Wrong or empty answers a conversation may give before its cases open unverified: few, so
that guessing numbers and addresses never becomes a way to test them."""
LOW_CONFIDENCE = 0.5
FACTS = ("number", "address")
"""What a stranger must give, both matching one account, to be taken for its holder."""


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
        """An account number or an address answers the question, whatever a classifier makes of
        it; only a real new emergency interrupts the questions."""
        return self.analysis.intent != "emergency" and bool(self._facts_given())

    async def _continue_gathering(self) -> Turn:
        return await self._identify(first=False)

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
        case = await self._open_case(
            intent=self.analysis.intent,
            urgent=True,
            hostile=self.analysis.hostile,
            account=await self._known_account(),
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
        self._pend(intent=intent)
        if self.conversation.pending.get("misses", 0) >= MISSES_BEFORE_UNVERIFIED:
            return await self._open_pending(None)
        self.conversation.step = "awaiting_account"
        return await self._identify(first=True)

    async def _identify(self, *, first: bool) -> Turn:
        """A stranger proves who they are with an account number and its service address, in
        either order, over one or more messages. Until both match one account every reply is
        the same whatever the store holds, so no reply tells whether a number or an address is
        on file. A pair that does not match is a miss, and so is an answer that adds nothing."""
        if not first:
            self._pend()
        pending = self.conversation.pending
        given = self._facts_given()
        facts = {fact: pending[fact] for fact in FACTS if fact in pending} | given
        if len(facts) == len(FACTS):
            account = await self.tx.account_by_number(facts["number"])
            if account is not None and same_address(facts["address"], account.service_address):
                if self.identity.customer_id is None:
                    self.identity.customer_id = account.customer_id
                return await self._open_pending(account)
            return await self._missed({})
        if first or not given.keys() <= pending.keys():
            self.conversation.pending = pending | facts
            return await self._reply(_ask_for_the_rest(facts))
        return await self._missed(facts)

    async def _missed(self, facts: dict[str, str]) -> Turn:
        """Count a miss, keeping only the facts still worth keeping; enough misses and the case
        opens unverified, for a representative to verify."""
        misses = int(self.conversation.pending.get("misses", 0)) + 1
        kept = {key: value for key, value in self.conversation.pending.items() if key not in FACTS}
        self.conversation.pending = kept | facts | {"misses": misses}
        if misses >= MISSES_BEFORE_UNVERIFIED:
            return await self._open_pending(None)
        return await self._reply(_ask_for_the_rest(facts) if facts else replies.ASK_ACCOUNT_AGAIN)

    async def _open_pending(self, account: Account | None) -> Turn:
        """Open the case the conversation was gathering details for, with every message so far."""
        pending = self.conversation.pending
        case = await self._open_case(
            intent=str(pending["intent"]),
            urgent=False,
            hostile=bool(pending.get("hostile")),
            account=account,
            account_confirmed=account is not None,
            message_ids=[int(i) for i in pending.get("message_ids", [])],
        )
        if account is None:
            return await self._opened(case, note=replies.UNVERIFIED)
        return await self._opened(case, note=replies.verified(account.number[-4:]))

    async def _follow_up(self, case: Case) -> Turn:
        """A message on an open case joins it; a case that turns hostile is escalated live."""
        self.message.case_id = case.id
        turned_hostile = self.analysis.hostile and not case.hostile
        await self.tx.record_event(case, "analysed", "system", self._analysis_event())
        if turned_hostile:
            case.hostile = True
            case.priority = max(
                case.priority,
                priority_of(urgent=case.urgent, hostile=True, verified=case.verified),
            )
        if case.status is CaseStatus.WAITING_CUSTOMER:
            await self.tx.set_status(case, CaseStatus.OPEN, "customer")
        if case.assigned_agent_id is not None:
            return Turn(case_id=case.id, escalate=turned_hostile)
        turn = await self._reply(replies.added_to_case(case.reference), case=case)
        return Turn(
            turn.reply, turn.reply_message_id, case.id, route=False, escalate=turned_hostile
        )

    async def _opened(self, case: Case, *, note: str = "") -> Turn:
        text = (
            replies.case_opened(case.reference, urgent=case.urgent, hostile=case.hostile)
            + self._known_outage()
        )
        if note:
            text = f"{text} {note}"
        return await self._reply(text, case=case, route=True)

    async def _open_case(
        self,
        *,
        intent: str,
        urgent: bool,
        hostile: bool,
        account: Account | None,
        account_confirmed: bool = False,
        message_ids: list[int] | None = None,
    ) -> Case:
        verified = self.identity.customer_id is not None or account_confirmed
        case = await self.tx.open_case(
            self.identity,
            intent=intent,
            urgent=urgent,
            hostile=hostile,
            verified=verified,
            priority=priority_of(urgent=urgent, hostile=hostile, verified=verified),
            account=account,
        )
        await self.tx.attach_messages(case, {*(message_ids or []), self.message.id})
        await self.tx.record_event(case, "analysed", "system", self._analysis_event())
        if intent == "outage_report":
            district = await district_of(self.tx, case) or await self._district_mentioned()
            if district is not None:
                self.incident = await link_outage(self.tx, case, district)
        self.conversation.step = "idle"
        misses = self.conversation.pending.get("misses")
        self.conversation.pending = {"misses": misses} if misses else {}
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
        """The district of the address an outage report gives. Never that of an account number:
        a stranger would learn where that account is."""
        address = address_in(self.message.body)
        if address is None:
            return None
        districts = {a.district for a in await accounts_at(self.tx.session, address)}
        return districts.pop() if len(districts) == 1 else None

    def _facts_given(self) -> dict[str, str]:
        spoken = self.analysis.first("ACCOUNT_NUMBER")
        given = {
            "number": account_number_in(spoken or "") or account_number_in(self.message.body),
            "address": address_in(self.message.body),
        }
        return {fact: value for fact, value in given.items() if value is not None}

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


def _ask_for_the_rest(facts: dict[str, str]) -> str:
    if "number" in facts:
        return replies.ASK_ADDRESS
    if "address" in facts:
        return replies.ASK_NUMBER
    return replies.ASK_ACCOUNT
