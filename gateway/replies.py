"""What the gateway says to customers, in one place so wording can be reviewed as a whole."""

from __future__ import annotations

from datetime import datetime

SAFETY = (
    "SAFETY FIRST: If you smell gas, leave the building now. Do not use switches, phones or "
    "flames inside. Stay 35 ft (10 m) from downed or sparking wires and keep others away. "
    "Call 911 once you are safe."
)

ASK_ACCOUNT = (
    "To open your case, please reply with your 10-digit account number and the service address "
    "(for example 1420 Oak Street)."
)
ASK_ADDRESS = "Thanks. To confirm it's you, what is the service address on that account?"
ASK_NUMBER = "Thanks. To confirm it's you, what is the 10-digit account number for that address?"
ASK_ACCOUNT_AGAIN = (
    "We could not verify those details. Please reply with the 10-digit account number and the "
    "service address, as they appear on your bill."
)
UNVERIFIED = "We could not verify the account, so a representative will confirm it with you."
HELP = (
    "City Utilities customer service. Text us your question; for emergencies call 911. "
    "Reply STOP to opt out, START to opt back in."
)
OPTED_OUT = "You are unsubscribed and will get no more texts from us. Reply START to opt back in."
OPTED_IN = "You are subscribed again. Text us any time."


def verified(last4: str) -> str:
    return f"We have verified the account ending {last4}."


def case_opened(number: str, *, urgent: bool, hostile: bool) -> str:
    if urgent:
        next_step = "We have marked it urgent and a senior responder is being contacted now."
    elif hostile:
        next_step = "A senior representative will reply here shortly."
    else:
        next_step = "A representative will reply here shortly."
    return f"Your case number is {number}. {next_step}"


def added_to_case(number: str) -> str:
    return f"Thanks, we have added this to case {number}."


def outage_known(district: str, estimate: datetime | None) -> str:
    when = f" Estimated restoration: {estimate:%b %d, %I:%M %p} UTC." if estimate else ""
    return (
        f"We know about the outage in {district} and crews are on it.{when} "
        "We will let you know here when it is restored."
    )


def restored(district: str, number: str) -> str:
    return (
        f"Service has been restored in {district}. Thank you for your patience (case {number}). "
        "If you still have no service, reply here."
    )
