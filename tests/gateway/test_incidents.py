"""Many reports of one outage become one incident, and everyone affected hears when it ends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from gateway.demo import demo_accounts
from gateway.incidents import link_outage, restore, set_estimate
from gateway.store.models import Case, Incident
from tests.gateway.sms_support import SmsGateway, case_number_in

HARBOR = [a for a in demo_accounts() if a.district == "Harbor"][:3]
RIVERSIDE = next(a for a in demo_accounts() if a.district == "Riverside")
OUTAGE_TEXT = "our power went out about an hour ago, whole street is dark. when will it be back?"


async def incidents(gateway: SmsGateway) -> list[Incident]:
    async with gateway.store.transaction() as tx:
        return list((await tx.session.scalars(select(Incident).order_by(Incident.id))).all())


async def test_neighbours_reporting_one_outage_share_one_incident_and_later_ones_hear_it_is_known(
    sms_gateway: SmsGateway,
) -> None:
    first, second, third = (sms_gateway.phone(a.phone) for a in HARBOR)

    first_reply = await first.text(OUTAGE_TEXT)
    second_reply = await second.text("no power here either")
    elsewhere = await sms_gateway.phone(RIVERSIDE.phone).text(OUTAGE_TEXT)
    [incident, other] = await incidents(sms_gateway)
    await set_estimate(sms_gateway.store, incident.id, datetime(2026, 11, 23, 18, 30, tzinfo=UTC))
    third_reply = await third.text("is the outage being fixed? nothing works at home")

    assert "We know about the outage" not in first_reply[0]
    assert "We know about the outage in Harbor" in second_reply[0]
    assert "Estimated restoration: Nov 23, 06:30 PM UTC." in third_reply[0]
    assert "We know about the outage" not in elsewhere[0]
    assert (incident.district, other.district) == ("Harbor", "Riverside")
    async with sms_gateway.store.transaction() as tx:
        linked = (
            await tx.session.scalars(select(Case.incident_id).where(Case.incident_id.is_not(None)))
        ).all()
    assert sorted(linked) == [incident.id, incident.id, incident.id, other.id]


async def test_restoring_an_incident_tells_everyone_linked_in_their_channel_except_opted_out(
    sms_gateway: SmsGateway,
) -> None:
    numbers = [
        case_number_in((await sms_gateway.phone(a.phone).text(OUTAGE_TEXT))[0]) for a in HARBOR
    ]
    await sms_gateway.phone(HARBOR[2].phone).text("STOP")
    [incident] = await incidents(sms_gateway)

    queued = await restore(sms_gateway.store, incident.id, actor="agent:7")
    for message_id in queued:
        await sms_gateway.outbound.deliver(message_id)

    sent = {r.form["To"]: r.form["Body"] for r in sms_gateway.twilio.requests}
    assert set(sent) == {HARBOR[0].phone, HARBOR[1].phone}
    assert sent[HARBOR[0].phone].startswith("Service has been restored in Harbor.")
    assert numbers[0] in sent[HARBOR[0].phone]
    assert await restore(sms_gateway.store, incident.id, actor="agent:7") == []
    assert [i.status for i in await incidents(sms_gateway)] == ["restored"]


async def test_two_first_reports_at_once_make_one_incident(sms_gateway: SmsGateway) -> None:
    async def report(phone: str) -> int:
        async with sms_gateway.store.transaction() as tx:
            identity = await tx.identity("sms", phone)
            case = await tx.open_case(identity, intent="outage_report")
            linked = await link_outage(tx, case, "Eastfield")
            return linked.incident.id

    ids = await asyncio.gather(*(report(f"+1309555{n:04d}") for n in range(8)))

    assert len(set(ids)) == 1
    assert [i.district for i in await incidents(sms_gateway)] == ["Eastfield"]
